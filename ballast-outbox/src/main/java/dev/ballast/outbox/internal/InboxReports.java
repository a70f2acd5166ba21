package dev.ballast.outbox.internal;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.inbox.Inbox;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one consumer's inbox reports besides its dead letters: the counters {@code
 * ballast.inbox.received{consumer,result=processed|duplicate|dead}}, {@code ballast.inbox.gaps{consumer}} and {@code
 * ballast.inbox.purged{consumer}}, and each
 * sequence gap it handles (WARN log under {@code Inbox}'s name, a WARNING alert). Thread-safe.
 */
public final class InboxReports {

    private static final Logger log = LoggerFactory.getLogger(Inbox.class);

    private final String consumer;
    private final AlertSink alerts;

    private final Counter processed;
    private final Counter duplicates;
    private final Counter dead;
    private final Counter gaps;
    private final Counter purged;

    public InboxReports(MeterRegistry registry, String consumer, AlertSink alerts) {
        this.consumer = consumer;
        this.alerts = alerts;
        this.processed = received(registry, consumer, "processed");
        this.duplicates = received(registry, consumer, "duplicate");
        this.dead = received(registry, consumer, "dead");
        this.gaps = Counter.builder("ballast.inbox.gaps")
                .description("Events that arrived before an earlier event of their aggregate")
                .tag("consumer", consumer)
                .register(registry);
        this.purged = Counter.builder("ballast.inbox.purged")
                .description("Inbox rows deleted past the retention")
                .tag("consumer", consumer)
                .register(registry);
    }

    private static Counter received(MeterRegistry registry, String consumer, String result) {
        return Counter.builder("ballast.inbox.received")
                .description("Messages received by the inbox, by outcome")
                .tag("consumer", consumer)
                .tag("result", result)
                .register(registry);
    }

    public void processed() {
        processed.increment();
    }

    public void duplicate() {
        duplicates.increment();
    }

    public void dead() {
        dead.increment();
    }

    /** Rows deleted by a purge. */
    public void purged(int rows) {
        purged.increment(rows);
    }

    /** An event handled although it arrived before {@code expected}, the next of its {@code aggregate}. */
    public void gap(OutboxMessage message, String aggregate, long expected) {
        gaps.increment();
        log.warn(
                "Inbox {}: event #{} of {} arrived before #{} (gap); handled",
                consumer,
                message.aggregateSequence(),
                aggregate,
                expected);
        alerts.send(Alert.builder(Severity.WARNING, "Inbox sequence gap")
                .detail("Consumer " + consumer + " received event #" + message.aggregateSequence() + " ("
                        + message.eventType() + ") of " + aggregate + " before #" + expected
                        + ". The earlier events may still arrive (they are handled then) or be lost upstream."
                        + (expected == 1
                                ? " No earlier event of it is recorded: if the aggregate had events before, idle for"
                                        + " longer than the inbox retention, their rows were purged and this is no"
                                        + " gap."
                                : ""))
                .label("module", "inbox")
                .fingerprint("inbox-gap|" + consumer + "|" + aggregate)
                .build());
    }
}
