package dev.ballast.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;

/**
 * The L1 tier: Caffeine entries, and striped invalidation stamps that keep a racing load from writing an old value.
 *
 * <p>Concurrency: called from callers' threads, the refresh threads and Lettuce's event thread (invalidations from
 * other instances). Reads are lock-free. Every write of an entry runs inside Caffeine's per-entry lock ({@code
 * asMap().compute}): a put and an invalidation bump the key's stamp there, and a fill compares its stamp there, so a
 * fill never overwrites or removes what a put or an invalidation did after the fill's load began, and a refused fill
 * returns only after the write that refused it is visible. A put's value
 * carries the stamp it set, for the one window where a load read the new stamp before the put's value was visible.
 * {@link #clear()} bumps a global count and then empties L1, so it may also drop a value loaded while it runs.
 */
final class L1 {

    private static final int STRIPES = 4096;

    /**
     * The shortest L1 TTL measured with the coarse clock's ticker: it lags by a millisecond or two, a rounding of at
     * most 0.2 % from this TTL on; shorter TTLs (tests, benchmarks forcing L2 reads) keep Caffeine's nanosecond one.
     */
    static final Duration COARSE_TICKER_FROM = Duration.ofSeconds(1);

    /**
     * How long after its load a value loaded without L2 (although the cache has one) is compared with L2 on a hit, and
     * then again every as long while L2 cannot settle it: within about a second of Redis answering again, an instance
     * that loaded a key by itself takes the value the others share, instead of keeping its own for the rest of the TTL.
     */
    static final long RESYNC_AFTER_MILLIS = 1000;

    private final Cache<String, Slot> entries;
    private final CacheMeters meters;
    private final boolean negativeCached;
    private final boolean behindL2;
    private final double beta;
    private final AtomicLongArray stamps = new AtomicLongArray(STRIPES);
    private final AtomicLong clears = new AtomicLong();

    /**
     * With {@code clock} null (the default clock), Caffeine measures the L1 TTL with {@link CoarseClock#nanos()} when
     * it is at least {@link #COARSE_TICKER_FROM}, else with its own system ticker; with a clock, with that clock.
     * {@code behindL2}: the cache has a Redis L2 (values loaded without it are then marked, {@link #fillLocal}).
     */
    L1(CacheSettings settings, @Nullable InstantSource clock, CacheMeters meters, boolean behindL2) {
        this.meters = meters;
        this.negativeCached = !settings.negativeTtl().isZero();
        this.behindL2 = behindL2;
        this.beta = settings.earlyRefreshBeta();
        // a fixed write expiry is the outer bound (Caffeine's variable expiry measured markedly slower in
        // L1HitBenchmark); a slot's own logical expiry, which can be sooner, is checked on each hit
        Caffeine<Object, Object> builder = Caffeine.newBuilder()
                .maximumSize(settings.l1MaximumSize())
                .expireAfterWrite(settings.l1Ttl())
                // maintenance on the calling thread: handing it to the common pool after every L2 fill slowed L2
                // hits on 2 cores (L2HitBenchmark; figures in docs/benchmarks.md)
                .executor(Runnable::run);
        if (clock != null) {
            builder.ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()));
        } else if (settings.l1Ttl().compareTo(COARSE_TICKER_FROM) >= 0) {
            // Caffeine reads its ticker on every hit: System.nanoTime() there was most of a hit's time on a virtual
            // machine (L1HitBenchmark, docs/benchmarks.md); the coarse clock's copy is a field read
            builder.ticker(CoarseClock::nanos);
        }
        this.entries = builder.build();
    }

    /** The entry of {@code k} unless it is missing or past its logical expiry (then it is dropped); counted. */
    @Nullable
    Slot hit(String k, long now) {
        Slot slot = fresh(k, now);
        meters.l1(slot != null);
        return slot;
    }

    /** The entry of {@code k} unless it is missing or past its logical expiry (then it is dropped); not counted. */
    @Nullable
    Slot fresh(String k, long now) {
        Slot slot = entries.getIfPresent(k);
        if (slot != null && !slot.freshAt(now)) {
            entries.asMap().remove(k, slot);
            slot = null;
        }
        return slot;
    }

    /** The key's stamp: take it before the load whose result {@link #fill} may store. */
    long stamp(String k) {
        return stamps.get(stripe(k)) + clears.get();
    }

    /**
     * Stores a loaded slot unless the key was invalidated or put since {@code stamp} was taken. The stamp is compared
     * only inside the key's lock, even when it already differs: a put or an invalidation bumps it inside that lock
     * before its own write is visible, and a fill that gave up before that write landed would let its caller return
     * and miss L1 on the next read, as if neither the load nor the put had happened.
     */
    void fill(String k, Slot slot, long stamp) {
        entries.asMap()
                .compute(k, (key, old) -> stamp(key) == stamp && (old == null || old.putStamp() < stamp) ? slot : old);
    }

    /** As {@link #fill}, for a slot the loader just made: a "no value" only when the negative TTL is not zero. */
    void fillLoaded(String k, Slot slot, long stamp) {
        if (!slot.absent() || negativeCached) {
            fill(k, slot, stamp);
        }
    }

    /**
     * As {@link #fillLoaded}, for a slot the loader made in this JVM without going through L2: with an L2 behind this
     * L1, the slot is marked to be compared with L2 from {@link #RESYNC_AFTER_MILLIS} after {@code nowMillis} on.
     */
    void fillLocal(String k, Slot slot, long stamp, long nowMillis) {
        fillLoaded(k, behindL2 ? slot.unsharedUntil(nowMillis + RESYNC_AFTER_MILLIS, beta) : slot, stamp);
    }

    /**
     * Replaces the entry of {@code k} with {@code next} only if it is still {@code seen} (the same object): a resync
     * that L2 could not settle marks the slot for a later look, and must not bring it back over a newer value.
     */
    @SuppressWarnings("ReferenceEquality") // the same object, not an equal value
    void replace(String k, Slot seen, Slot next) {
        entries.asMap().computeIfPresent(k, (key, old) -> old == seen ? next : old);
    }

    /** Stores a value written by {@code put}, bumping the key's stamp in the same lock. */
    void put(String k, Slot slot) {
        entries.asMap().compute(k, (key, old) -> slot.putAt(bump(key)));
    }

    /** Removes {@code k}, bumping its stamp in the same lock: a load that began before cannot fill it back. */
    void invalidate(String k) {
        entries.asMap().compute(k, (key, old) -> {
            bump(key);
            return null;
        });
    }

    void clear() {
        clears.incrementAndGet();
        entries.invalidateAll();
    }

    private long bump(String k) {
        return stamps.incrementAndGet(stripe(k)) + clears.get();
    }

    private static int stripe(String k) {
        return (k.hashCode() & 0x7fffffff) % STRIPES;
    }
}
