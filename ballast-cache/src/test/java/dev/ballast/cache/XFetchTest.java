package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class XFetchTest {

    @Test
    void neverRefreshesFarFromExpiryAndAlwaysAtExpiry() {
        assertThat(XFetch.due(0, 50, 60_000, 1.0, 0.999)).isFalse();
        assertThat(XFetch.due(60_000, 50, 60_000, 1.0, 0.0)).isTrue();
    }

    @Test
    void theChanceToRefreshIsExpOfMinusTimeLeftOverDeltaTimesBeta() {
        SplittableRandom random = new SplittableRandom(42);
        int due = 0;
        int draws = 200_000;
        for (int i = 0; i < draws; i++) {
            if (XFetch.due(0, 50, 100, 1.0, random.nextDouble())) {
                due++;
            }
        }
        assertThat(due / (double) draws).isCloseTo(Math.exp(-100 / 50.0), within(0.01));
    }

    @Test
    void slowerLoadsAndLargerBetaRefreshEarlier() {
        SplittableRandom random = new SplittableRandom(7);
        int fast = 0;
        int slow = 0;
        int eager = 0;
        for (int i = 0; i < 100_000; i++) {
            double u = random.nextDouble();
            fast += XFetch.due(0, 10, 100, 1.0, u) ? 1 : 0;
            slow += XFetch.due(0, 100, 100, 1.0, u) ? 1 : 0;
            eager += XFetch.due(0, 10, 100, 5.0, u) ? 1 : 0;
        }
        assertThat(slow).isGreaterThan(fast * 10);
        assertThat(eager).isGreaterThan(fast * 10);
    }
}
