/** Auto-configuration of ballast-alert: the router as the application's alert sink, channels and routes from properties. */
@NullMarked
package dev.ballast.boot.autoconfigure.alert;

import org.jspecify.annotations.NullMarked;
