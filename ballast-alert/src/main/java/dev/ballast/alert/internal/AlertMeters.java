package dev.ballast.alert.internal;

import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The {@code ballast.alert.*} meters. Counters the caller's thread touches are created up front, so {@code send}
 * allocates nothing for them. Thread-safe.
 */
public final class AlertMeters {

    private final MeterRegistry registry;
    private final Counter[] received = new Counter[Severity.values().length];
    private final Counter[] droppedAtIntake = new Counter[Severity.values().length];
    private final AtomicLong heartbeatSeconds = new AtomicLong();
    private final Counter heartbeats;

    public AlertMeters(MeterRegistry registry) {
        this.registry = registry;
        for (Severity severity : Severity.values()) {
            received[severity.ordinal()] = Counter.builder("ballast.alert.received")
                    .description("Alerts sent to the router")
                    .tag("severity", severity.name())
                    .register(registry);
            droppedAtIntake[severity.ordinal()] = dropped(severity, "intake");
        }
        heartbeats = Counter.builder("ballast.alert.heartbeats")
                .description("Heartbeat messages the router produced")
                .register(registry);
    }

    public void received(Severity severity) {
        received[severity.ordinal()].increment();
    }

    public void droppedAtIntake(Severity severity) {
        droppedAtIntake[severity.ordinal()].increment();
    }

    void dropped(Severity severity, String channel, long count) {
        dropped(severity, channel).increment((double) count);
    }

    private Counter dropped(Severity severity, String channel) {
        return Counter.builder("ballast.alert.dropped")
                .description("Alerts or messages dropped because a queue was full (never CRITICAL)")
                .tag("severity", severity.name())
                .tag("channel", channel)
                .register(registry);
    }

    /** For the pipeline's events. */
    public void suppressedFromPipeline(Severity severity, String reason) {
        suppressed(severity, reason);
    }

    void suppressed(Severity severity, String reason) {
        Counter.builder("ballast.alert.suppressed")
                .description("Alerts held back by deduplication, throttling, flapping or silences")
                .tag("severity", severity.name())
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    void message(String channel, String result) {
        Counter.builder("ballast.alert.messages")
                .description("Messages by channel and what became of them")
                .tag("channel", channel)
                .tag("result", result)
                .register(registry)
                .increment();
    }

    void spilled(String channel, Severity severity) {
        Counter.builder("ballast.alert.spilled")
                .description("Messages written to the file channel instead of their channel (queue full, failed"
                        + " after retries, breaker open, rejected)")
                .tag("channel", channel)
                .tag("severity", severity.name())
                .register(registry)
                .increment();
    }

    /** Records a heartbeat; the gauge exists from the first one on, so no heartbeat configured means no series. */
    public void heartbeat(long epochSeconds) {
        heartbeats.increment();
        if (heartbeatSeconds.getAndSet(epochSeconds) == 0) {
            Gauge.builder("ballast.alert.heartbeat.timestamp", heartbeatSeconds, AtomicLong::get)
                    .description("Epoch seconds of the last heartbeat (the dead man's switch watches it)")
                    .baseUnit("seconds")
                    .register(registry);
        }
    }

    void channelGauges(String channel, IntSupplier queueSize, IntSupplier breakerState) {
        Gauge.builder("ballast.alert.queue.size", queueSize::getAsInt)
                .tag("channel", channel)
                .register(registry);
        Gauge.builder("ballast.alert.channel.breaker.state", breakerState::getAsInt)
                .description("0 closed, 1 half open, 2 open")
                .tag("channel", channel)
                .register(registry);
    }

    public void firingGauge(IntSupplier firing) {
        Gauge.builder("ballast.alert.firing", firing::getAsInt)
                .description("Fingerprints firing now")
                .register(registry);
    }

    static String tag(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
