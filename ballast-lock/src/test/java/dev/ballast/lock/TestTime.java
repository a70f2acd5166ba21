package dev.ballast.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * How a lock test lets time pass: by advancing a {@link ManualLockClock} (in-JVM backends, whose leases run on that
 * clock), or, where a real server's lease timing is the thing tested, by waiting in real time with Awaitility, bounded.
 */
public interface TestTime {

    /** Lets {@code period} pass, checking that {@code condition} holds all along. */
    void passWhile(Duration period, BooleanSupplier condition);

    /** Lets time pass until {@code condition} holds, failing after {@code bound}. */
    void until(BooleanSupplier condition, Duration bound);

    /** Real time: Awaitility, bounded. */
    static TestTime real() {
        return new TestTime() {
            @Override
            public void passWhile(Duration period, BooleanSupplier condition) {
                await().during(period)
                        .atMost(period.plusSeconds(10))
                        .pollInterval(Duration.ofMillis(20))
                        .until(condition::getAsBoolean);
            }

            @Override
            public void until(BooleanSupplier condition, Duration bound) {
                await().atMost(bound).pollInterval(Duration.ofMillis(5)).until(condition::getAsBoolean);
            }
        };
    }

    /** Manual time, advanced in 10 ms steps. */
    static TestTime manual(ManualLockClock clock) {
        Duration step = Duration.ofMillis(10);
        return new TestTime() {
            @Override
            public void passWhile(Duration period, BooleanSupplier condition) {
                for (long passed = 0; passed < period.toMillis(); passed += step.toMillis()) {
                    clock.advance(step);
                    assertThat(condition.getAsBoolean())
                            .as("holds after %d ms", passed)
                            .isTrue();
                }
            }

            @Override
            public void until(BooleanSupplier condition, Duration bound) {
                long limit = clock.nanoTime() + bound.toNanos();
                // other threads react to the clock (a waiter unparked by its deadline): give them real moments too
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(1))
                        .until(() -> {
                            if (condition.getAsBoolean()) {
                                return true;
                            }
                            assertThat(clock.nanoTime())
                                    .as("manual time within %s", bound)
                                    .isLessThan(limit);
                            clock.advance(step);
                            return condition.getAsBoolean();
                        });
            }
        };
    }
}
