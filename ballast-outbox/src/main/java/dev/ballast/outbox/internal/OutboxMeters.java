package dev.ballast.outbox.internal;

import dev.ballast.outbox.DeadLetterReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** The outbox's meters; names start {@code ballast.outbox.}. Thread-safe. */
public final class OutboxMeters {

    private final MeterRegistry registry;
    final Counter appended;
    final Counter published;
    final Timer batch;
    final Timer latency;

    public OutboxMeters(MeterRegistry registry) {
        this.registry = registry;
        this.appended = Counter.builder("ballast.outbox.appended")
                .description("Events appended (duplicates of an earlier request not counted)")
                .register(registry);
        this.published = Counter.builder("ballast.outbox.published")
                .description("Events acknowledged by the publisher")
                .register(registry);
        this.batch = Timer.builder("ballast.outbox.relay.batch")
                .description("Time of one relay batch: claim, publish, complete")
                .register(registry);
        this.latency = Timer.builder("ballast.outbox.publish.latency")
                .description("From append (database clock) to acknowledged publish")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        // alert rules such as increase(ballast_outbox_dead_total[5m]) > 0 need the series before the first event
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            dead(reason.name(), 0);
        }
        failed("retry", 0);
        failed("outage", 0);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Rows deleted past their retention from the outbox table named by {@code table} (outbox, request). */
    Counter purged(String table) {
        return Counter.builder("ballast.outbox.purged")
                .description("Rows deleted past their retention, by table: outbox (published events), request"
                        + " (request ids of idempotent commands)")
                .tag("table", table)
                .register(registry);
    }

    public void appended() {
        appended.increment();
    }

    void failed(String reason) {
        failed(reason, 1);
    }

    void dead(String reason) {
        dead(reason, 1);
    }

    private void failed(String reason, int count) {
        Counter.builder("ballast.outbox.failed")
                .description("Publish attempts that failed, by reason: retry (will be retried), outage (broker down)")
                .tag("reason", reason)
                .register(registry)
                .increment(count);
    }

    private void dead(String reason, int count) {
        Counter.builder("ballast.outbox.dead")
                .description("Events moved to the dead-letter table, by reason")
                .tag("reason", reason)
                .register(registry)
                .increment(count);
    }
}
