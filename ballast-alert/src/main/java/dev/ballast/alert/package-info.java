/**
 * Alert routing and delivery: {@link dev.ballast.alert.AlertRouter} is the {@link dev.ballast.core.alert.AlertSink}
 * that deduplicates, groups, throttles and silences alerts and delivers the resulting {@link
 * dev.ballast.alert.Message}s to {@link dev.ballast.alert.Channel}s (Discord, Slack, a signed webhook, a JSON-lines
 * file, the log) without ever blocking the caller.
 */
@NullMarked
package dev.ballast.alert;

import org.jspecify.annotations.NullMarked;
