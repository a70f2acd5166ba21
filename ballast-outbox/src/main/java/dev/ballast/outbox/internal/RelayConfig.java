package dev.ballast.outbox.internal;

import dev.ballast.outbox.HeadOfLinePolicy;
import java.time.Duration;
import java.time.InstantSource;

/**
 * Settings of one relay, validated by its builder. {@code asynchronousCommit}: the relay's own transactions commit with
 * {@code synchronous_commit = off} on PostgreSQL. {@code clock}: the relay's time (see {@link RelayTime}).
 */
public record RelayConfig(
        String owner,
        int batchAggregates,
        int maxPerAggregate,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffCap,
        Duration lease,
        HeadOfLinePolicy headOfLine,
        boolean asynchronousCommit,
        InstantSource clock) {

    /** The relay's time on the database, from {@link #clock()}. */
    public RelayTime time() {
        return new RelayTime(clock);
    }
}
