/**
 * The alert SPI: modules raise {@link dev.ballast.core.alert.Alert}s through an {@link
 * dev.ballast.core.alert.AlertSink}; ballast-alert provides routing and channels, core only a logging sink.
 */
@NullMarked
package dev.ballast.core.alert;

import org.jspecify.annotations.NullMarked;
