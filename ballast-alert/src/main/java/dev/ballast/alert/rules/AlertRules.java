package dev.ballast.alert.rules;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates {@link Rule}s over a meter registry every {@code interval} on one daemon thread and sends what fires and
 * resolves to an {@link AlertSink}. A rule that throws is logged and skipped for that round. Thread-safe: {@link
 * #evaluate} is synchronised, so a test (or a tool) may call it beside the schedule.
 */
public final class AlertRules implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AlertRules.class);

    private final MeterRegistry registry;
    private final AlertSink sink;
    private final Clock clock;
    private final Duration interval;
    private final List<Rule> rules;
    private final ScheduledExecutorService schedule;

    private AlertRules(Builder builder) {
        this.registry = builder.registry;
        this.sink = builder.sink;
        this.clock = builder.clock;
        this.interval = builder.interval;
        this.rules = List.copyOf(builder.rules);
        this.schedule = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ballast-alert-rules");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A builder of rules over {@code registry} sending to {@code sink}. */
    public static Builder builder(MeterRegistry registry, AlertSink sink) {
        return new Builder(registry, sink);
    }

    /** Starts evaluating every interval. */
    public AlertRules start() {
        long every = interval.toMillis();
        var unused = schedule.scheduleWithFixedDelay(this::evaluateQuietly, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Evaluates every rule now and sends the changes; returns them. */
    public synchronized List<Alert> evaluate() {
        List<Alert> changes = new ArrayList<>();
        for (Rule rule : rules) {
            try {
                changes.addAll(rule.evaluate(registry, clock.instant()));
            } catch (RuntimeException e) {
                log.warn("Alert rule '{}' failed: {}", rule.name(), e.toString());
            }
        }
        changes.forEach(sink::send);
        return changes;
    }

    /** The rules, in evaluation order. */
    public List<Rule> rules() {
        return rules;
    }

    private void evaluateQuietly() {
        try {
            evaluate();
        } catch (RuntimeException e) {
            log.warn("Alert rules failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        schedule.shutdownNow();
    }

    /** Settings; setters check their value at once. Defaults: system clock, every 5 s, no rules. Not thread-safe. */
    public static final class Builder {
        private final MeterRegistry registry;
        private final AlertSink sink;
        private Clock clock = Clock.systemUTC();
        private Duration interval = Duration.ofSeconds(5);
        private final List<Rule> rules = new ArrayList<>();

        private Builder(MeterRegistry registry, AlertSink sink) {
            this.registry = Objects.requireNonNull(registry, "registry");
            this.sink = Objects.requireNonNull(sink, "sink");
        }

        /** Where rules read the time. */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** How often the rules run (100 ms to 10 min). */
        public Builder interval(Duration value) {
            if (value == null
                    || value.compareTo(Duration.ofMillis(100)) < 0
                    || value.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("Alert rules interval must be 100ms to 10min, was " + value);
            }
            this.interval = value;
            return this;
        }

        /** Adds a rule. */
        public Builder rule(Rule rule) {
            rules.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        public AlertRules build() {
            return new AlertRules(this);
        }
    }
}
