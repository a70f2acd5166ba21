package dev.ballast.cache;

import java.time.InstantSource;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Early refresh (XFetch): on a hit whose value is near expiry, a random draw may start a background refresh. The
 * refresh takes the key's load lease like a miss does: while another instance holds it, this one skips; if another
 * instance refreshed already, its value is taken from L2 instead of loading again.
 *
 * <p>It also resyncs values loaded in this JVM without L2 ({@link Slot#unshared()}: Redis did not answer, a wait for
 * another instance's load ran out): on a hit from {@link L1#RESYNC_AFTER_MILLIS} after the load on, while Redis is
 * reachable, L2's value replaces this JVM's; when L2 has none, the key is loaded under its lease and written to L2, so
 * every instance ends up with one value; while another instance holds the lease, or Redis does not answer, the look is
 * made again a second later.
 *
 * <p>Concurrency: {@link #maybe} runs on callers' threads; refreshes run on the executor. The set of keys being
 * refreshed (a concurrent set) lets at most one refresh per key and JVM run, and none while a caller's load of the key
 * is in flight.
 */
final class EarlyRefresh {

    private static final Logger log = LoggerFactory.getLogger(EarlyRefresh.class);

    private final String cache;
    private final double beta;
    private final L1 l1;
    private final @Nullable RedisL2 redis;
    private final @Nullable SharedLoad shared;
    private final LocalFlights flights;
    private final CacheMeters meters;
    private final Executor executor;
    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private final AtomicLong failures = new AtomicLong();
    private final InstantSource clock;

    EarlyRefresh(
            CacheSettings settings,
            L1 l1,
            @Nullable RedisL2 redis,
            @Nullable SharedLoad shared,
            LocalFlights flights,
            CacheMeters meters,
            Executor executor,
            InstantSource clock) {
        this.cache = settings.name();
        this.beta = settings.earlyRefreshBeta();
        this.l1 = l1;
        this.redis = redis;
        this.shared = shared;
        this.flights = flights;
        this.meters = meters;
        this.executor = executor;
        this.clock = clock;
    }

    /**
     * Starts a background refresh of {@code k} if XFetch says it is due at {@code now}, or a resync if the slot was
     * loaded without L2 and its time to be compared with L2 has come while Redis is reachable.
     */
    void maybe(String k, Slot slot, KeyLoad load, long now) {
        boolean resync = slot.unshared() && now >= slot.resyncAtMillis() && redis != null && redis.available();
        if (!resync) {
            double random = ThreadLocalRandom.current().nextDouble();
            if (!XFetch.due(now, slot.deltaMillis(), slot.expiresAtMillis(), beta, random)) {
                return;
            }
        }
        if (flights.inFlight(k) || !refreshing.add(k)) {
            return;
        }
        try {
            executor.execute(() -> run(k, slot, load, resync));
        } catch (RejectedExecutionException e) { // closed
            refreshing.remove(k);
        }
    }

    private void run(String k, Slot seen, KeyLoad load, boolean resync) {
        try {
            if (resync) {
                resync(k, seen, load);
            } else {
                refresh(k, seen, load);
            }
        } catch (RuntimeException | Error e) {
            long count = failures.incrementAndGet();
            if (count == 1 || count % 1000 == 0) {
                log.warn(
                        "Cache '{}': early refresh failed ({} so far); the value expires as usual: {}",
                        cache,
                        count,
                        e.toString());
            }
        } finally {
            refreshing.remove(k);
        }
    }

    private void refresh(String k, Slot seen, KeyLoad load) {
        long stamp = l1.stamp(k);
        LeaseScripts.Lease lease = redis == null ? null : redis.leases().tryLease(k);
        if (redis == null || shared == null || lease == null || lease.status() == LeaseScripts.Status.UNAVAILABLE) {
            meters.earlyRefresh();
            Slot slot = load.run();
            l1.fillLocal(k, slot, stamp, clock.millis());
            return;
        }
        if (lease.status() == LeaseScripts.Status.HELD_ELSEWHERE) {
            return; // another instance is loading it
        }
        String token = Objects.requireNonNull(lease.token());
        Slot current = redis.entries().readFresh(k);
        if (current != null && current.expiresAtMillis() > seen.expiresAtMillis()) {
            redis.leases().release(k, token); // another instance refreshed it already
            l1.fill(k, current, stamp);
            return;
        }
        meters.earlyRefresh();
        shared.loadWithLease(k, load, stamp, token, slot -> {}); // no caller waits on a refresh
    }

    /**
     * Compares a value loaded without L2 with L2, in the one round trip of a miss ({@link LeaseScripts#lookup}): L2's
     * fresh value replaces it; with no entry there, the lookup took the lease, and the key is loaded and written to L2;
     * else (an expired entry, the lease held elsewhere, Redis not answering) it is marked for another look later.
     */
    private void resync(String k, Slot seen, KeyLoad load) {
        RedisL2 l2 = Objects.requireNonNull(redis);
        long stamp = l1.stamp(k);
        LeaseScripts.Lookup found = l2.leases().lookup(k);
        if (found.value() != null) {
            Slot current = l2.entries().decodeOrEvict(k, found.value());
            if (current != null && current.freshAt(clock.millis())) {
                l1.fill(k, current, stamp);
                return;
            }
        } else if (found.lease().status() == LeaseScripts.Status.ACQUIRED) {
            String token = Objects.requireNonNull(found.lease().token());
            Objects.requireNonNull(shared).loadWithLease(k, load, stamp, token, slot -> {});
            return;
        }
        l1.replace(k, seen, seen.unsharedUntil(clock.millis() + L1.RESYNC_AFTER_MILLIS, beta));
    }
}
