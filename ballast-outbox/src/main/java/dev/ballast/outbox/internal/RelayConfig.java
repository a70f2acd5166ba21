package dev.ballast.outbox.internal;

import dev.ballast.core.ExceptionClassifier;
import dev.ballast.outbox.HeadOfLinePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;

/**
 * Every setting of one relay, validated by {@code OutboxRelay.Builder} (which documents each) and fixed at build time.
 * {@code asynchronousCommit}: the relay's own transactions commit with {@code synchronous_commit = off} on PostgreSQL.
 * {@code clock}: the relay's time (see {@link RelayTime}). {@code owner}: what the relay writes into its leases (the
 * relay's name with a suffix of its own, {@code OutboxRelay#leaseOwner()}), also its name in log lines and alerts.
 * Immutable.
 */
public record RelayConfig(
        String owner,
        int threads,
        int batchAggregates,
        int maxPerAggregate,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffCap,
        Duration lease,
        Duration pollInterval,
        HeadOfLinePolicy headOfLine,
        Duration retention,
        Duration requestRetention,
        Duration housekeepingInterval,
        Duration outagePauseBase,
        Duration outagePauseCap,
        boolean listen,
        boolean asynchronousCommit,
        Path deadLetterFile,
        ExceptionClassifier classifier,
        InstantSource clock,
        Duration shutdownTimeout) {

    /** The relay's time on the database, from {@link #clock()}. */
    public RelayTime time() {
        return new RelayTime(clock);
    }
}
