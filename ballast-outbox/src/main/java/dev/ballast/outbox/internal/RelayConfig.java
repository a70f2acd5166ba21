package dev.ballast.outbox.internal;

import dev.ballast.outbox.HeadOfLinePolicy;
import java.time.Duration;

/**
 * Settings of one relay, validated by its builder. {@code asynchronousCommit}: the relay's own transactions commit with
 * {@code synchronous_commit = off} on PostgreSQL.
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
        boolean asynchronousCommit) {}
