package dev.ballast.boot.autoconfigure.outbox;

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
 * @param tablePrefix prefix of {@code <prefix>outbox}, {@code <prefix>outbox_aggregate}, {@code <prefix>outbox_dlq}
 * @param createSchema whether to create the tables at start-up (off when Flyway runs the shipped scripts)
 * @param maxPayload largest payload accepted
 * @param integrity how content hashes are computed
 * @param relay settings of the relay started with the application
 */
@ConfigurationProperties("ballast.outbox")
public record BallastOutboxProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("ballast_") String tablePrefix,
        @DefaultValue("true") boolean createSchema,
        @DefaultValue("1MB") DataSize maxPayload,
        @DefaultValue Integrity integrity,
        @DefaultValue Relay relay) {

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
     * @param enabled whether this instance runs a relay (appends work either way)
     * @param deadLetterFile fallback file for dead letters when the table cannot be written
     */
    public record Relay(
            @DefaultValue("true") boolean enabled,
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
            @DefaultValue("10s") Duration housekeepingInterval,
            @DefaultValue("true") boolean listen,
            @DefaultValue("ballast-outbox-dlq.jsonl") Path deadLetterFile) {}
}
