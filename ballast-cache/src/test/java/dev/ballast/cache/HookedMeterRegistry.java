package dev.ballast.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A registry whose L1-miss counter runs a hook after counting: the cache counts a miss between finding L1 empty and
 * registering its load, so a test can hold a caller exactly there.
 */
final class HookedMeterRegistry extends SimpleMeterRegistry {

    volatile Runnable onL1Miss = () -> {};

    @Override
    protected Counter newCounter(Meter.Id id) {
        Counter counted = super.newCounter(id);
        if (!id.getName().equals("ballast.cache.gets")
                || !"l1".equals(id.getTag("tier"))
                || !"miss".equals(id.getTag("result"))) {
            return counted;
        }
        return new Counter() {
            @Override
            public void increment(double amount) {
                counted.increment(amount);
                onL1Miss.run();
            }

            @Override
            public double count() {
                return counted.count();
            }

            @Override
            public Meter.Id getId() {
                return counted.getId();
            }
        };
    }
}
