package dev.ballast.lock.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lock.ManualLockClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The background releases, against a backend that stops and starts answering. Time is the test's clock, and the
 * background work runs on the thread that moves it, so every attempt is counted exactly.
 */
class PendingReleasesTest {

    private static final long FIRST = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX = TimeUnit.SECONDS.toNanos(1);

    private final ManualLockClock clock = new ManualLockClock();
    private boolean answering;
    private int attempts;
    private final List<String> released = new ArrayList<>();
    private final PendingReleases pending = new PendingReleases(
            clock,
            Runnable::run,
            (key, owner) -> {
                attempts++;
                if (answering) {
                    released.add(owner);
                }
                return answering;
            },
            () -> false,
            FIRST,
            MAX);

    @Test
    void anOutageCostsOneAttemptPerWaitHoweverManyReleasesArePendingAndAllGoOutOnceTheBackendAnswers() {
        for (int i = 0; i < 500; i++) {
            pending.add(new PendingReleases.Release("k" + i, "owner-" + i, () -> true));
        }
        assertThat(attempts).as("nothing before the first wait").isZero();

        // waits of 100, 200, 400 and 800 ms, then 1 s: one attempt at the end of each, whatever the 500 pending
        for (long waitMillis : new long[] {100, 200, 400, 800, 1000, 1000, 1000}) {
            clock.advance(Duration.ofMillis(waitMillis - 1));
            int before = attempts;
            clock.advance(Duration.ofMillis(1));
            assertThat(attempts).as("one attempt after %d ms", waitMillis).isEqualTo(before + 1);
        }
        assertThat(attempts).isEqualTo(7);
        assertThat(pending.size()).isEqualTo(500);

        answering = true;
        clock.advance(Duration.ofSeconds(1));
        assertThat(released).hasSize(500).startsWith("owner-0").endsWith("owner-499"); // in the order queued
        assertThat(pending.size()).isZero();
        assertThat(attempts).isEqualTo(7 + 500);
    }

    @Test
    void aFailureAfterASuccessWaitsTheFirstIntervalAgain() {
        pending.add(new PendingReleases.Release("k", "a", () -> true));
        clock.advance(Duration.ofMillis(100 + 200 + 400)); // three failed attempts: the next wait is 800 ms
        answering = true;
        clock.advance(Duration.ofMillis(800));
        assertThat(released).containsExactly("a");

        answering = false;
        pending.add(new PendingReleases.Release("k", "b", () -> true));
        int before = attempts;
        clock.advance(Duration.ofMillis(100));
        assertThat(attempts).isEqualTo(before + 1);
    }

    @Test
    void aReleaseNoLongerWorthTryingIsDroppedWithoutAnAttempt() {
        AtomicBoolean leaseLeft = new AtomicBoolean(true);
        pending.add(new PendingReleases.Release("k", "expired", leaseLeft::get));
        clock.advance(Duration.ofMillis(100));
        assertThat(attempts).isEqualTo(1);

        leaseLeft.set(false);
        answering = true;
        clock.advance(Duration.ofSeconds(1));
        assertThat(pending.size()).isZero();
        assertThat(attempts).isEqualTo(1);
        assertThat(released).isEmpty();
    }

    @Test
    void beyondItsCapacityTheOldestReleasesAreDropped() {
        for (int i = 0; i < PendingReleases.CAPACITY + 5; i++) {
            pending.add(new PendingReleases.Release("k", "owner-" + i, () -> true));
        }
        assertThat(pending.size()).isEqualTo(PendingReleases.CAPACITY);

        answering = true;
        clock.advance(Duration.ofMillis(100));
        assertThat(released)
                .hasSize(PendingReleases.CAPACITY)
                .doesNotContain("owner-0", "owner-4")
                .startsWith("owner-5")
                .endsWith("owner-" + (PendingReleases.CAPACITY + 4));
    }
}
