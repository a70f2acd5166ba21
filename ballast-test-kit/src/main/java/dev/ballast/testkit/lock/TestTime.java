package dev.ballast.testkit.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * How a lock test lets time pass: by advancing a clock the test drives (in-JVM backends, whose leases run on that clock;
 * {@link #manual}), or, where a real server's lease timing is the thing tested, by waiting in real time with Awaitility,
 * bounded ({@link #real()}). Implementations are called from the test's thread.
 */
public interface TestTime {

    /**
     * Lets {@code period} pass, checking that {@code condition} holds all along.
     *
     * @param period how long
     * @param condition what must hold throughout
     */
    void passWhile(Duration period, BooleanSupplier condition);

    /**
     * Lets time pass until {@code condition} holds, failing after {@code bound}.
     *
     * @param condition what to wait for
     * @param bound how much time may pass at most
     */
    void until(BooleanSupplier condition, Duration bound);

    /**
     * Real time: Awaitility, bounded.
     *
     * @return waits in real time
     */
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

    /**
     * Manual time, advanced in 10 ms steps; tasks the clock runs when it advances (renewals, deadlines) run then.
     *
     * @param nanoTime the driven clock's reading, in nanoseconds
     * @param advance moves the driven clock forward by the given step
     * @return passes time by advancing the clock
     */
    static TestTime manual(LongSupplier nanoTime, Consumer<Duration> advance) {
        Duration step = Duration.ofMillis(10);
        return new TestTime() {
            @Override
            public void passWhile(Duration period, BooleanSupplier condition) {
                for (long passed = 0; passed < period.toMillis(); passed += step.toMillis()) {
                    advance.accept(step);
                    assertThat(condition.getAsBoolean())
                            .as("holds after %d ms", passed)
                            .isTrue();
                }
            }

            @Override
            public void until(BooleanSupplier condition, Duration bound) {
                long limit = nanoTime.getAsLong() + bound.toNanos();
                // other threads react to the clock (a waiter unparked by its deadline): give them real moments too
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(1))
                        .until(() -> {
                            if (condition.getAsBoolean()) {
                                return true;
                            }
                            assertThat(nanoTime.getAsLong())
                                    .as("manual time within %s", bound)
                                    .isLessThan(limit);
                            advance.accept(step);
                            return condition.getAsBoolean();
                        });
            }
        };
    }
}
