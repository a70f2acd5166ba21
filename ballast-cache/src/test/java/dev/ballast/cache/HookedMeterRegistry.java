package dev.ballast.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A registry whose L1-miss and local-coalesced counters run a hook after counting: the cache counts a miss between
 * finding L1 empty and registering its load, and a caller that joins another caller's load just before it starts to
 * wait, so a test can hold a caller exactly there.
 */
final class HookedMeterRegistry extends SimpleMeterRegistry {

    volatile Runnable onL1Miss = () -> {};

    volatile Runnable onLocalJoin = () -> {};

    @Override
    protected Counter newCounter(Meter.Id id) {
        Counter counted = super.newCounter(id);
        if (id.getName().equals("ballast.cache.gets")
                && "l1".equals(id.getTag("tier"))
                && "miss".equals(id.getTag("result"))) {
            return hooked(counted, () -> onL1Miss.run());
        }
        if (id.getName().equals("ballast.cache.coalesced") && "local".equals(id.getTag("scope"))) {
            return hooked(counted, () -> onLocalJoin.run());
        }
        return counted;
    }

    private static Counter hooked(Counter counted, Runnable hook) {
        return new Counter() {
            @Override
            public void increment(double amount) {
                counted.increment(amount);
                hook.run();
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
