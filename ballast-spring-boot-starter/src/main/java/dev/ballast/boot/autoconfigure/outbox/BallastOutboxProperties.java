package dev.ballast.boot.autoconfigure.outbox;

import dev.ballast.boot.autoconfigure.SchemaInitialization;
import dev.ballast.outbox.HeadOfLinePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the auto-configured outbox, under {@code ballast.outbox}.
 *
 * @param enabled whether to configure the outbox at all
 * @param tablePrefix prefix of the tables prefix + outbox, outbox_aggregate and outbox_dlq; letters, digits and '_', at
 *     most 31, not starting with a digit
 * @param schema when the outbox tables are created at start-up
 * @param maxPayload largest payload accepted (1B to 64MB)
 * @param networkTimeout how long the outbox's own database work (relay, housekeeping, dead letters, status) waits for
 *     the database's answer on a connection before giving up on it, so that a relay on a frozen primary reaches the
 *     promoted standby instead of waiting forever; 0 waits as the JDBC driver does (without end unless the URL sets
 *     socketTimeout); appends run in the request's transaction and are not affected [0, or 1s to 1h]
 * @param integrity how content hashes are computed
 * @param relay settings of the relay started with the application
 * @param publisher where the relay publishes: in-process (Spring application events), kafka (built from
 *     spring.kafka.*) or rabbitmq (from spring.rabbitmq.*); when not set, kafka if spring.kafka.bootstrap-servers is
 *     set and ballast-outbox-kafka is present, rabbitmq likewise for spring.rabbitmq.host or addresses, else
 *     in-process
 * @param kafka routes of the Kafka publisher
 * @param rabbitmq routes of the RabbitMQ publisher
 * @param inbox the consumer-side inbox (created when {@code consumer} is set)
 * @param health thresholds of the outbox health indicator
 */
@ConfigurationProperties("ballast.outbox")
public record BallastOutboxProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("ballast_") String tablePrefix,
        @DefaultValue Schema schema,
        @DefaultValue("1MB") DataSize maxPayload,
        @DefaultValue("30s") Duration networkTimeout,
        @DefaultValue Integrity integrity,
        @DefaultValue Relay relay,
        @Nullable Publisher publisher,
        @DefaultValue Kafka kafka,
        @DefaultValue Rabbitmq rabbitmq,
        @DefaultValue Inbox inbox,
        @DefaultValue Health health) {

    /** Publisher kinds. */
    public enum Publisher {
        IN_PROCESS,
        KAFKA,
        RABBITMQ
    }

    /**
     * Kafka publisher settings; the connection comes from {@code spring.kafka.*}.
     *
     * @param routes event type to topic, e.g. OrderPlaced: brokerage.orders; required with Kafka
     * @param verifyTopics whether start-up fails when a routed topic does not exist
     */
    public record Kafka(
            @Nullable Map<String, String> routes,
            @DefaultValue("true") boolean verifyTopics) {}

    /**
     * RabbitMQ publisher settings; the connection comes from {@code spring.rabbitmq.*}.
     *
     * @param exchanges aggregate type to exchange (routing key = event type), e.g. Order: brokerage.orders; required
     *     with RabbitMQ
     * @param verifyExchanges whether start-up fails when a routed exchange does not exist
     * @param confirmTimeout how long a wave waits for its publisher confirms
     */
    public record Rabbitmq(
            @Nullable Map<String, String> exchanges,
            @DefaultValue("true") boolean verifyExchanges,
            @DefaultValue("15s") Duration confirmTimeout) {}

    /**
     * Inbox settings.
     *
     * @param consumer this consumer's name in the inbox tables; the Inbox bean exists only when it is set
     * @param retention how long consumed event ids are kept (positive): a redelivery within it is skipped as a
     *     duplicate; rows past it are deleted, each aggregate's newest too, so the next event of an aggregate idle for
     *     longer is checked as the first one seen of it. Keep it longer than the longest time a message can come back
     *     (consumer lag plus a rebalance, a replay): an event delivered again after its id was deleted runs the handler
     *     again, and only the handler's own unique key stops a second effect
     * @param purgeInterval how often rows past the retention are deleted, on a thread of the starter's own (1s to 1d)
     */
    public record Inbox(
            @Nullable String consumer,
            @DefaultValue("14d") Duration retention,
            @DefaultValue("10m") Duration purgeInterval) {}

    /**
     * Thresholds of the outbox health indicator (component ballast.outbox): beyond either it reports DEGRADED.
     *
     * @param maxPendingAge oldest pending event age beyond which the outbox is DEGRADED (events are late)
     * @param maxDeadLetters unresolved dead letters beyond which the outbox is DEGRADED (0: any dead letter)
     */
    public record Health(
            @DefaultValue("5m") Duration maxPendingAge,
            @DefaultValue("0") long maxDeadLetters) {}

    /**
     * Schema settings.
     *
     * @param initialize EMBEDDED (default: only on an in-memory database), ALWAYS or NEVER (your migrations create the
     *     tables, e.g. Flyway with classpath:db/ballast/outbox/{vendor})
     */
    public record Schema(@DefaultValue("EMBEDDED") SchemaInitialization initialize) {}

    /**
     * Content hash settings.
     *
     * @param mode SHA256 (corruption) or HMAC (also tampering; needs keys)
     * @param currentKeyVersion the HMAC key version new events use
     * @param keys HMAC keys by version, Base64; at least 32 bytes each. Keep them in a secret store, not in the repo
     */
    public record Integrity(
            @DefaultValue("SHA256") Mode mode,
            @Nullable Integer currentKeyVersion,
            @Nullable Map<Integer, String> keys) {

        /** Hash modes. */
        public enum Mode {
            SHA256,
            HMAC
        }
    }

    /**
     * Relay settings; see {@code docs/outbox.md}.
     *
     * @param enabled whether this instance runs a relay (appends work either way): unset runs it only when an
     *     application bean injects Outbox or TransactionalOutbox; true always; false never
     * @param threads worker threads of the relay (1 to 64)
     * @param batchAggregates aggregates leased per batch (1 to 1000)
     * @param maxPerAggregate events of one aggregate published per batch, one after another (1 to 1000)
     * @param maxAttempts attempts before an event goes to the dead-letter table (1 to 1000)
     * @param backoffBase first retry delay; doubled per attempt with full jitter (positive)
     * @param backoffCap longest retry delay (at least backoff-base)
     * @param lease how long a claimed aggregate stays leased; a relay that dies is replaced after this (at least 1s)
     * @param pollInterval how long an idle worker waits before polling again (10ms to 1m)
     * @param headOfLine what happens to the rest of an aggregate when one of its events is dead-lettered: BLOCK (the
     *     rest waits until the dead letter is resolved) or SKIP (the rest goes on)
     * @param retention how long published rows are kept before housekeeping deletes them (positive)
     * @param requestRetention how long the request ids of idempotent commands (executeOnce) are kept before
     *     housekeeping deletes them (positive; unset: the same as retention); a request id repeated after that runs
     *     as a new command
     * @param housekeepingInterval how often retention and the outbox gauges run (positive)
     * @param listen whether the relay LISTENs for commit notifications on PostgreSQL (polling continues either way;
     *     ignored on other databases)
     * @param deadLetterFile fallback file for dead letters when the table cannot be written
     * @param shutdownTimeout how long shutdown waits for running batches to finish before their leases are released
     *     (0 to 10m)
     */
    public record Relay(
            @Nullable Boolean enabled,
            @DefaultValue("1") int threads,
            @DefaultValue("100") int batchAggregates,
            @DefaultValue("20") int maxPerAggregate,
            @DefaultValue("10") int maxAttempts,
            @DefaultValue("1s") Duration backoffBase,
            @DefaultValue("5m") Duration backoffCap,
            @DefaultValue("30s") Duration lease,
            @DefaultValue("500ms") Duration pollInterval,
            @DefaultValue("BLOCK") HeadOfLinePolicy headOfLine,
            @DefaultValue("7d") Duration retention,
            @Nullable Duration requestRetention,
            @DefaultValue("10s") Duration housekeepingInterval,
            @DefaultValue("true") boolean listen,
            @DefaultValue("ballast-outbox-dlq.jsonl") Path deadLetterFile,
            @DefaultValue("10s") Duration shutdownTimeout) {}
}
