package dev.ballast.boot.autoconfigure.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.alert.AlertStatus;
import dev.ballast.alert.rules.AlertRules;
import dev.ballast.core.alert.Alert;
import dev.ballast.test.MutableClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Issue 12 point 6: each threshold of the built-in rules is a property. For each one, the same meters and the same
 * steps of the injected clock ({@code ballastAlertClock}) give a different outcome with the property changed than with
 * its default, through Boot's binding of {@code ballast.alert.rules.*} into the {@link AlertRules} bean.
 */
class AlertRuleThresholdsTest {

    @TempDir
    Path dir;

    /** Meters the rules read and a way to step: set them up, then call {@code step} to move the clock and evaluate. */
    interface Script extends BiConsumer<MeterRegistry, Stepper> {}

    interface Stepper {
        /** Moves the clock by {@code advance}, evaluates the rules, records what changed as "at: firing WARNING …". */
        void step(Duration advance);
    }

    /** What the rules sent over the script, with {@code properties} set. */
    private List<String> outcome(Script script, String... properties) {
        List<String> out = new ArrayList<>();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        BallastAlertAutoConfiguration.class, BallastAlertActionsAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean(
                        BallastAlertAutoConfiguration.CLOCK_BEAN,
                        java.time.Clock.class,
                        () -> new MutableClock(java.time.Instant.parse("2026-12-01T03:00:00Z")))
                .withPropertyValues(
                        "ballast.alert.file.path=" + dir.resolve("alerts.jsonl"), "ballast.alert.rules.interval=10m")
                .withPropertyValues(properties)
                .run(context -> {
                    AlertRules rules = context.getBean(AlertRules.class);
                    MutableClock clock = (MutableClock)
                            context.getBean(BallastAlertAutoConfiguration.CLOCK_BEAN, java.time.Clock.class);
                    Duration[] elapsed = {Duration.ZERO};
                    script.accept(context.getBean(MeterRegistry.class), advance -> {
                        clock.advance(advance);
                        elapsed[0] = elapsed[0].plus(advance);
                        for (Alert alert : rules.evaluate()) {
                            out.add(elapsed[0].toSeconds() + "s: "
                                    + (AlertStatus.isResolved(alert) ? "resolved " : "firing ") + alert.severity());
                        }
                    });
                });
        return out;
    }

    /** A pool at {@code percent} % of its maximum, evaluated every 5 s for 40 s. */
    private static Script pool(long percent) {
        return (registry, stepper) -> {
            AtomicLong active = new AtomicLong(percent);
            Gauge.builder("executor.active", active, AtomicLong::get)
                    .tag("name", "orders")
                    .register(registry);
            Gauge.builder("executor.pool.max", () -> 100).tag("name", "orders").register(registry);
            for (int i = 0; i <= 8; i++) {
                stepper.step(i == 0 ? Duration.ZERO : Duration.ofSeconds(5));
            }
        };
    }

    @Test
    void poolSaturationIsTheShareOfTheMaximumThatCounts() {
        assertThat(outcome(pool(60))).isEmpty();
        assertThat(outcome(pool(60), "ballast.alert.rules.pool-saturation=0.5")).containsExactly("30s: firing WARNING");
    }

    @Test
    void poolSaturationForIsHowLongItMustLast() {
        assertThat(outcome(pool(95))).containsExactly("30s: firing WARNING");
        assertThat(outcome(pool(95), "ballast.alert.rules.pool-saturation-for=10s"))
                .containsExactly("10s: firing WARNING");
    }

    /** The outbox's oldest pending event 0, 90, 200 and 400 s old, a step each. */
    private static final Script BACKLOG = (registry, stepper) -> {
        AtomicLong age = new AtomicLong();
        Gauge.builder("ballast.outbox.oldest.pending.age", age, AtomicLong::get).register(registry);
        for (long seconds : new long[] {0, 90, 200, 400}) {
            age.set(seconds);
            stepper.step(Duration.ofSeconds(5));
        }
    };

    @Test
    void theOutboxPendingAgeThresholdsSetWhenItWarnsAndWhenItIsCritical() {
        assertThat(outcome(BACKLOG)).containsExactly("10s: firing WARNING", "20s: firing CRITICAL");
        assertThat(outcome(BACKLOG, "ballast.alert.rules.outbox-pending-age-warning=3m"))
                .containsExactly("15s: firing WARNING", "20s: firing CRITICAL");
        assertThat(outcome(BACKLOG, "ballast.alert.rules.outbox-pending-age-critical=3m"))
                .containsExactly("10s: firing WARNING", "15s: firing CRITICAL");
    }

    /** A task with {@code calls} calls of which {@code failed} failed between two evaluations. */
    private static Script task(int calls, int failed) {
        return (registry, stepper) -> {
            Timer ok = timer(registry, "success");
            Timer bad = timer(registry, "failure");
            stepper.step(Duration.ZERO);
            for (int i = 0; i < calls; i++) {
                (i < failed ? bad : ok).record(Duration.ofMillis(1));
            }
            stepper.step(Duration.ofSeconds(5));
        };
    }

    private static Timer timer(MeterRegistry registry, String outcome) {
        return Timer.builder("ballast.task")
                .tag("domain", "Order")
                .tag("task", "Place")
                .tag("outcome", outcome)
                .tag("exception", "none")
                .register(registry);
    }

    @Test
    void theTaskErrorRatioAndItsMinimumOfCallsAreProperties() {
        assertThat(outcome(task(40, 2))).as("5 %% is not above 5 %%").isEmpty();
        assertThat(outcome(task(40, 2), "ballast.alert.rules.task-error-ratio=0.02"))
                .containsExactly("5s: firing WARNING");
        assertThat(outcome(task(10, 5))).as("10 calls are fewer than 20").isEmpty();
        assertThat(outcome(task(10, 5), "ballast.alert.rules.task-error-min-calls=10"))
                .containsExactly("5s: firing WARNING");
    }

    /** A lease lost once, then evaluations every minute for 6 minutes. */
    private static final Script LEASE = (registry, stepper) -> {
        Counter lost = Counter.builder("ballast.lock.lease.lost")
                .tag("backend", "redis")
                .register(registry);
        stepper.step(Duration.ZERO);
        lost.increment();
        stepper.step(Duration.ofSeconds(5));
        for (int i = 0; i < 6; i++) {
            stepper.step(Duration.ofMinutes(1));
        }
    };

    @Test
    void theLeaseLostQuietPeriodIsHowLongItTakesToResolve() {
        assertThat(outcome(LEASE)).containsExactly("5s: firing WARNING", "305s: resolved WARNING");
        assertThat(outcome(LEASE, "ballast.alert.rules.lock-lease-lost-quiet=2m"))
                .containsExactly("5s: firing WARNING", "125s: resolved WARNING");
    }
}
