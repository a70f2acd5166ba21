package dev.ballast.outbox.internal;

import dev.ballast.outbox.HeadOfLinePolicy;
import java.time.Duration;

/** Settings of one relay, validated by its builder. */
public record RelayConfig(
        String owner,
        int batchAggregates,
        int maxPerAggregate,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffCap,
        Duration lease,
        HeadOfLinePolicy headOfLine) {}
