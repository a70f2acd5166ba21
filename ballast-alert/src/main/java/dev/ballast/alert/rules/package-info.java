/**
 * Rules evaluated inside the JVM from the application's Micrometer meters: {@link dev.ballast.alert.rules.AlertRules}
 * runs {@link dev.ballast.alert.rules.Rule}s every few seconds and sends what fires and what resolves to an alert sink.
 */
@NullMarked
package dev.ballast.alert.rules;

import org.jspecify.annotations.NullMarked;
