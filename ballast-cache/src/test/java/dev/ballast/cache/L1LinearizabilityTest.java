package dev.ballast.cache;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Lincheck: {@code get} (with a loader), {@code getIfPresent}, {@code put} and {@code evict} of an L1-only cache are
 * linearizable against the same operations run one at a time. The loader numbers its results per key, so a second
 * loader run for one key where a sequential cache would have hit shows as a different value.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:1")
@Param(name = "value", gen = IntGen.class, conf = "1:3")
public class L1LinearizabilityTest {

    private static final CacheSettings SETTINGS =
            CacheSettings.builder("lincheck").earlyRefreshBeta(0).build();

    private final AtomicIntegerArray loads = new AtomicIntegerArray(2);
    private final TieredCache<Integer, String> cache = TieredCache.<Integer, String>builder(
                    SETTINGS, Codec.json(String.class))
            .build();

    @Operation
    public String get(@Param(name = "key") int key) {
        return cache.get(key, k -> "loaded-" + k + "-" + loads.incrementAndGet(k));
    }

    @Operation
    public String getIfPresent(@Param(name = "key") int key) {
        return cache.getIfPresent(key).orElse("none");
    }

    @Operation
    public void put(@Param(name = "key") int key, @Param(name = "value") int value) {
        cache.put(key, "put-" + value);
    }

    @Operation
    public void evict(@Param(name = "key") int key) {
        cache.evict(key);
    }

    @Test
    void getPutAndEvictAreLinearizableUnderStress() {
        new StressOptions()
                .iterations(50)
                .invocationsPerIteration(1_000)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .check(getClass());
    }
}
