package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.boot.autoconfigure.SchemaInitialization;
import dev.ballast.core.alert.Severity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the auto-configured alert router, under {@code ballast.alert}; see {@code docs/alerting.md}.
 *
 * @param enabled whether the router replaces the logging alert sink
 * @param service the service's name in heartbeats and on the action page
 * @param channels chat channels by name; each takes type (DISCORD, SLACK or WEBHOOK), url, secret, connect-timeout,
 *     read-timeout, rate-per-second, burst, queue-capacity, max-attempts, backoff-base, backoff-cap, breaker-threshold
 *     and breaker-open-for (see docs/alerting.md)
 * @param file the JSON-lines file every channel falls back to
 * @param routes routes tried in order, each with name, severities, labels, channels, continue-matching, group-by and
 *     group-wait (see docs/alerting.md); empty for the defaults
 * @param fatigue deduplication, throttling and flap detection
 * @param heartbeat the router's heartbeat
 * @param intakeCapacity alerts waiting for the dispatcher before INFO and WARNING are dropped (100 to 1000000)
 * @param rules the built-in rules evaluated from the application's meters
 * @param actions signed actions (links to /ballast/actions/...)
 * @param alertmanager the Alertmanager webhook receiver (POST /ballast/alertmanager)
 * @param recordRaw a file every alert the router receives is appended to as a JSON line, before deduplication,
 *     grouping and throttling (for replaying a run's alerts; docs/alerting.md); none when unset
 * @param schema when the table of the shared dedup ledger (ballast_alert_dedup) is created at start-up
 */
@ConfigurationProperties("ballast.alert")
public record BallastAlertProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("service") String service,
        @Nullable Map<String, Channel> channels,
        @DefaultValue File file,
        @Nullable List<Route> routes,
        @DefaultValue Fatigue fatigue,
        @DefaultValue Heartbeat heartbeat,
        @DefaultValue("10000") int intakeCapacity,
        @DefaultValue Rules rules,
        @DefaultValue Actions actions,
        @DefaultValue Alertmanager alertmanager,
        @Nullable Path recordRaw,
        @DefaultValue Schema schema) {

    /**
     * Schema settings of the shared dedup ledger's table.
     *
     * @param initialize when the table ballast_alert_dedup is created at start-up (only with fatigue.shared-dedup):
     *     EMBEDDED (default) on an in-memory database only, ALWAYS, or NEVER (the application's migrations create it,
     *     e.g. Flyway with classpath:db/ballast/alert/{vendor})
     */
    public record Schema(@DefaultValue("EMBEDDED") SchemaInitialization initialize) {}

    /** Kinds of chat channel. */
    public enum Type {
        DISCORD,
        SLACK,
        WEBHOOK
    }

    /**
     * One chat channel. {@code url} and {@code secret} are secrets: keep them in the environment or a secret store;
     * they are masked in {@code /actuator/env} and {@code /actuator/configprops} and never logged.
     *
     * @param type which receiver
     * @param url the webhook address (absolute http or https)
     * @param secret HMAC key of a {@code WEBHOOK} channel, at least 16 bytes
     * @param ratePerSecond requests per second at most; Discord and Slack default to 1, a webhook to 5
     * @param burst requests at once after a quiet spell; Discord 5, Slack 1, webhook 5
     */
    public record Channel(
            Type type,
            @Nullable String url,
            @Nullable String secret,
            @DefaultValue("2s") Duration connectTimeout,
            @DefaultValue("5s") Duration readTimeout,
            @Nullable Double ratePerSecond,
            @Nullable Integer burst,
            @DefaultValue("1000") int queueCapacity,
            @DefaultValue("4") int maxAttempts,
            @DefaultValue("500ms") Duration backoffBase,
            @DefaultValue("30s") Duration backoffCap,
            @DefaultValue("3") int breakerThreshold,
            @DefaultValue("1m") Duration breakerOpenFor) {

        @Override
        public String toString() {
            return "Channel[type=" + type + ", url=******, secret=******]";
        }
    }

    /**
     * The alert file.
     *
     * @param enabled whether there is one (without it, undeliverable messages go to the log)
     * @param path where it is written
     * @param maxSize size at which it is rotated
     * @param keep rotated files kept
     */
    public record File(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("ballast-alerts.jsonl") Path path,
            @DefaultValue("10MB") DataSize maxSize,
            @DefaultValue("5") int keep) {}

    /**
     * A route; see {@link dev.ballast.alert.Route}.
     *
     * @param severities severities taken; empty for all
     * @param labels label values an alert must carry
     * @param channels channel names ({@code file} and {@code log} are always there)
     * @param continueMatching whether later routes are tried after this one
     * @param groupBy labels that form a group
     * @param groupWait how long a group waits for more alerts
     */
    public record Route(
            String name,
            @Nullable List<Severity> severities,
            @Nullable Map<String, String> labels,
            List<String> channels,
            @DefaultValue("false") boolean continueMatching,
            @DefaultValue("module") List<String> groupBy,
            @DefaultValue("5s") Duration groupWait) {}

    /**
     * Alert fatigue controls; see {@link dev.ballast.alert.Fatigue}.
     *
     * @param dedupWindow repeats of a firing alert within this window after its message are counted, not sent
     *     (positive)
     * @param throttleMax messages per fingerprint per throttle window at most (at least 1); resolutions and escalations
     *     are never held back
     * @param throttleWindow the window of throttle-max (positive)
     * @param flapThreshold firing/resolved changes of one fingerprint within the flap window that make it flapping (at
     *     least 2)
     * @param flapWindow the window of flap-threshold (positive)
     * @param sharedDedup deduplicate across the service's instances through the table ballast_alert_dedup in the
     *     application's DataSource (see schema.initialize): of the instances raising the same alert within the dedup
     *     window one sends, the others count repeats, and the next message shows every instance's; needs a single
     *     DataSource bean
     * @param sharedDedupTimeout the longest the ledger may hold an alert (taking a connection included; 10ms to 60s);
     *     slower or failing, the alert is sent with local dedup only
     * @param sharedDedupCoolDown after a ledger failure, how long it is skipped (local dedup only) before one alert
     *     probes it again
     */
    public record Fatigue(
            @DefaultValue("5m") Duration dedupWindow,
            @DefaultValue("6") int throttleMax,
            @DefaultValue("1h") Duration throttleWindow,
            @DefaultValue("4") int flapThreshold,
            @DefaultValue("10m") Duration flapWindow,
            @DefaultValue("false") boolean sharedDedup,
            @DefaultValue("2s") Duration sharedDedupTimeout,
            @DefaultValue("30s") Duration sharedDedupCoolDown) {}

    /**
     * The heartbeat.
     *
     * @param interval how often; none when unset
     * @param channel where it goes
     */
    public record Heartbeat(
            @Nullable Duration interval,
            @DefaultValue("log") String channel) {}

    /**
     * Built-in rules over the application's meters.
     *
     * @param enabled whether they run
     * @param interval how often they are evaluated
     * @param poolSaturation share of an executor's maximum pool size in use that counts as saturated
     * @param poolSaturationFor how long it must last
     * @param outboxPendingAgeWarning age of the oldest pending outbox event for a WARNING
     * @param outboxPendingAgeCritical age for a CRITICAL
     * @param taskErrorRatio share of failed calls of a task for a WARNING
     * @param taskErrorMinCalls calls in an interval before the ratio counts
     * @param lockLeaseLostQuiet how long without a lost lease before that alert resolves
     */
    public record Rules(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("5s") Duration interval,
            @DefaultValue("0.9") double poolSaturation,
            @DefaultValue("30s") Duration poolSaturationFor,
            @DefaultValue("1m") Duration outboxPendingAgeWarning,
            @DefaultValue("5m") Duration outboxPendingAgeCritical,
            @DefaultValue("0.05") double taskErrorRatio,
            @DefaultValue("20") int taskErrorMinCalls,
            @DefaultValue("5m") Duration lockLeaseLostQuiet) {}

    /**
     * Signed actions: off unless {@code enabled} and a signing key is set.
     *
     * @param enabled whether alert messages carry operation links and the service performs them
     * @param baseUrl the service's public address, which links start with: an absolute http(s) URL with a host and no
     *     user name or password
     * @param currentKey id of the key new links are signed with
     * @param keys signing keys by id, Base64, at least 32 bytes each (keep old ones while their links may be used)
     * @param ttl how long a link stays valid
     * @param role role a user needs to perform an action when Spring Security is present
     * @param poolMaxLimit the largest maximum pool size the resize action may set
     */
    public record Actions(
            @DefaultValue("false") boolean enabled,
            @Nullable String baseUrl,
            @Nullable String currentKey,
            @Nullable Map<String, String> keys,
            @DefaultValue("24h") Duration ttl,
            @DefaultValue("BALLAST_OPERATOR") String role,
            @DefaultValue("256") int poolMaxLimit) {

        @Override
        public String toString() {
            return "Actions[enabled=" + enabled + ", baseUrl=" + baseUrl + ", currentKey=" + currentKey
                    + ", keys=******]";
        }
    }

    /**
     * The Alertmanager webhook receiver.
     *
     * @param enabled whether POST /ballast/alertmanager is served
     * @param token bearer token Alertmanager must send (its http_config.authorization.credentials); none when unset
     */
    public record Alertmanager(
            @DefaultValue("true") boolean enabled, @Nullable String token) {

        @Override
        public String toString() {
            return "Alertmanager[enabled=" + enabled + ", token=******]";
        }
    }
}
