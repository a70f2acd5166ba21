/** Alertmanager's webhook payload (version 4) turned into Ballast alerts, so Prometheus alerts take the same path. */
@NullMarked
package dev.ballast.alert.alertmanager;

import org.jspecify.annotations.NullMarked;
