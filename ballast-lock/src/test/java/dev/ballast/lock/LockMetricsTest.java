package dev.ballast.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.local.LocalLockStrategies;
import dev.ballast.lock.micrometer.LockMetrics;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LockMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void recordsAcquisitionsByResultHoldTimesAndNeverTheKey() {
        try (LockStrategy locks = LocalLockStrategies.create(LockMetrics.create(registry), AlertSink.logging())) {
            try (LockHandle held = locks.tryAcquire("account:A-1", Duration.ZERO, Duration.ofSeconds(5))) {
                assertThatThrownBy(() -> locks.tryAcquire("account:A-1", Duration.ofMillis(50), Duration.ofSeconds(5)))
                        .isInstanceOf(LockAcquisitionException.class);
            }
        }

        assertThat(registry.get("ballast.lock.wait")
                        .tags("result", "acquired")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("ballast.lock.wait")
                        .tags("result", "timeout")
                        .timer()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get("ballast.lock.held")
                        .tags("backend", "local")
                        .timer()
                        .count())
                .isEqualTo(1);
        for (Meter meter : registry.getMeters()) {
            assertThat(meter.getId().getTags()).noneMatch(tag -> tag.getValue().contains("A-1"));
        }
    }
}
