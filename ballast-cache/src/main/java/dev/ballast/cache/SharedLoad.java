package dev.ballast.cache;

import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The single-flight across instances: take the key's load lease and load (renewing the lease meanwhile), or wait for
 * the holder's "released" signal and use the value that came with it or read L2; when the wait runs out, a stale value
 * if there is one, else {@link CacheSettings#onLoadWaitTimeout()}. A waiter gives up at once, and loads locally, when
 * no signal can reach it (breaker open or pub/sub disconnected), and it looks at Redis again every 100 to 800 ms
 * while it waits, so a link that went silent without closing (no signal, no error) costs it one L2 timeout, not the
 * whole load wait.
 *
 * <p>Concurrency: {@link #load} runs on the one caller per key and JVM that flies ({@link LocalFlights}) or on a
 * refresh thread; {@link #released} and {@link #linkChanged} run on Lettuce's and the scheduler's threads. The map of
 * signals guards the hand-over: an entry is registered before the lease is asked for, so a signal cannot slip past,
 * and is removed by whoever completes it. Renewals run on the scheduler.
 */
final class SharedLoad {

    /** How often a caller waiting for another instance's signal checks that signals can still reach it. */
    private static final long LINK_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /**
     * A caller waiting for another instance's signal looks at Redis again after this long, then after twice as long, up
     * to {@link #RECHECK_MAX_NANOS}: a connection cut off without being closed (a blackhole, a frozen proxy) delivers no
     * signal and reports no error, so only a command, which times out after the L2 timeout, tells the waiter that it
     * must load by itself.
     */
    private static final long RECHECK_FIRST_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final long RECHECK_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(800);

    private final CacheSettings settings;
    private final L1 l1;
    private final RedisL2 redis;
    private final EntryCodec codec;
    private final CacheMeters meters;
    private final InstantSource clock;
    private final ScheduledExecutorService scheduler;
    /** Per key, this JVM's caller waiting for another instance's load: completed with the value if it came along. */
    private final ConcurrentMap<String, CompletableFuture<@Nullable Slot>> signals = new ConcurrentHashMap<>();
    /**
     * Per key, how the waiting caller hands a value that came with the signal to the callers of this JVM that joined
     * its flight ({@link LocalFlights.Work}): {@link #released} calls it on the thread that received the signal, so
     * they need not wait for the waiting caller to wake up first. Set and removed by that caller.
     */
    private final ConcurrentMap<String, Consumer<Slot>> handOuts = new ConcurrentHashMap<>();

    SharedLoad(
            CacheSettings settings,
            L1 l1,
            RedisL2 redis,
            EntryCodec codec,
            CacheMeters meters,
            InstantSource clock,
            ScheduledExecutorService scheduler) {
        this.settings = settings;
        this.l1 = l1;
        this.redis = redis;
        this.codec = codec;
        this.meters = meters;
        this.clock = clock;
        this.scheduler = scheduler;
    }

    /** The value of {@code k}: from L2, from another instance's load, or from {@code load} under the lease. */
    Slot load(String k, KeyLoad load, long stamp, Consumer<Slot> handOut) {
        if (!redis.available()) {
            return loadLocal(k, load, stamp);
        }
        handOuts.put(k, handOut);
        try {
            return loadOrWait(k, load, stamp, handOut);
        } finally {
            signals.remove(k); // only this JVM's loading caller of k waits for its signal
            handOuts.remove(k, handOut);
        }
    }

    private Slot loadOrWait(String k, KeyLoad load, long stamp, Consumer<Slot> handOut) {
        long deadline = System.nanoTime() + settings.loadWait().toNanos();
        long recheck = RECHECK_FIRST_NANOS;
        boolean counted = false;
        boolean looked = false; // hits, misses and stale reads count once per caller, not once per look
        Slot stale = null;
        while (true) {
            // registered before asking for the lease, so the holder's signal cannot slip past
            CompletableFuture<@Nullable Slot> signal = signals.computeIfAbsent(k, x -> new CompletableFuture<>());
            LeaseScripts.Lookup found = redis.leases().lookup(k);
            LeaseScripts.Lease lease = found.lease();
            if (found.value() != null) {
                Slot slot = redis.entries().decodeOrEvict(k, found.value());
                if (slot != null && slot.freshAt(clock.millis())) {
                    if (!looked) {
                        meters.l2Hit();
                    }
                    l1.fill(k, slot, stamp);
                    return slot;
                }
                if (slot != null && !slot.absent()) {
                    if (!looked) {
                        meters.l2Stale();
                    }
                    stale = slot;
                }
                lease = redis.leases().tryLease(k); // expired or undecodable: load it, unless someone else is
                if (lease.status() == LeaseScripts.Status.ACQUIRED) {
                    Slot filled = redis.entries().readFresh(k); // filled by another instance between the calls?
                    if (filled != null) {
                        redis.leases().release(k, Objects.requireNonNull(lease.token()));
                        l1.fill(k, filled, stamp);
                        return filled;
                    }
                }
            } else if (lease.status() != LeaseScripts.Status.UNAVAILABLE && !looked) {
                meters.l2Miss();
            }
            looked = true;
            if (lease.status() == LeaseScripts.Status.UNAVAILABLE) {
                return loadLocal(k, load, stamp);
            }
            if (lease.status() == LeaseScripts.Status.ACQUIRED) {
                return loadWithLease(k, load, stamp, Objects.requireNonNull(lease.token()), handOut);
            }
            if (!counted) {
                meters.coalesced(true);
                counted = true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            Slot delivered = awaitSignal(
                    signal,
                    Math.min(left, Math.min(recheck, settings.loadLease().toNanos())));
            recheck = Math.min(recheck * 2, RECHECK_MAX_NANOS);
            // LINK_LOST: no signal can come, the holder's value could not reach us either
            if (delivered != null && delivered.isLinkLost()) {
                return loadLocal(k, load, stamp);
            }
            if (delivered != null && delivered.freshAt(clock.millis())) {
                l1.fill(k, delivered, stamp); // came with the signal: no GET
                return delivered;
            }
            if (deadline - System.nanoTime() <= 0) {
                Slot last = redis.entries().readFresh(k); // one last look before giving up on the wait
                if (last != null) {
                    l1.fill(k, last, stamp);
                    return last;
                }
                break;
            }
            // next round: the value is in L2 now, or the holder died (its lease ran out) and we may take over, or Redis
            // no longer answers (the look fails after the L2 timeout) and we load by ourselves
        }
        return afterWait(k, load, stamp, stale);
    }

    /** The wait ran out: the stale value if there is one, else the timeout policy. */
    private Slot afterWait(String k, KeyLoad load, long stamp, @Nullable Slot stale) {
        if (stale != null) {
            meters.staleServed();
            return stale;
        }
        if (settings.onLoadWaitTimeout() == CacheSettings.WaitTimeoutPolicy.FAIL) {
            throw new CacheLoadTimeoutException(settings.name(), k, settings.loadWait());
        }
        return loadLocal(k, load, stamp);
    }

    /**
     * The value that came with the signal, or null (none came along, or no signal within {@code nanos}), or
     * {@link Slot#LINK_LOST} as soon as no signal can reach this instance (breaker open, pub/sub disconnected).
     */
    private @Nullable Slot awaitSignal(CompletableFuture<@Nullable Slot> signal, long nanos) {
        long deadline = System.nanoTime() + nanos;
        try {
            while (true) {
                if (!redis.link().signalsFlowing()) {
                    return Slot.LINK_LOST;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null; // look again: the holder may have died (its lease then runs out) or the signal was
                    // lost
                }
                try {
                    return signal.get(Math.min(left, LINK_CHECK_NANOS), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    // check the link, then wait on
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // never completed exceptionally
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException("Cache '" + settings.name() + "': interrupted while waiting for a load", e);
        }
    }

    /**
     * Loads holding the lease, renewing it meanwhile; writes L2 (and L1) only if no invalidation broke the lease. The
     * value goes to {@code handOut} before the write to L2, which it does not depend on.
     */
    Slot loadWithLease(String k, KeyLoad load, long stamp, String token, Consumer<Slot> handOut) {
        long every = Math.max(1, settings.loadLease().toMillis() / 3);
        ScheduledFuture<?> renewal = scheduler.scheduleAtFixedRate(
                () -> redis.leases().renew(k, token), every, every, TimeUnit.MILLISECONDS);
        boolean handedBack = false;
        try {
            Slot slot = load.run();
            byte[] envelope = codec.loaded(k, slot);
            if (envelope == null) {
                return slot;
            }
            handedBack = true;
            handOut.accept(slot); // encoded: what is left (the fill) cannot change what the callers get
            if (redis.leases().fill(k, token, envelope, codec.redisTtlMillis(slot, clock.millis()))) {
                l1.fill(k, slot, stamp);
            }
            return slot;
        } finally {
            renewal.cancel(false);
            if (!handedBack) {
                redis.leases().release(k, token);
            }
        }
    }

    /**
     * Loads without touching L2 (Redis unavailable, or a waiter that gave up): fills L1 only, marked to be compared with
     * L2 once it answers ({@link L1#fillLocal}).
     */
    Slot loadLocal(String k, KeyLoad load, long stamp) {
        Slot slot = load.run();
        l1.fillLocal(k, slot, stamp, clock.millis());
        return slot;
    }

    /** A holder released {@code k}'s lease; {@code envelope} is its value if it came along. */
    void released(String k, byte @Nullable [] envelope) {
        CompletableFuture<@Nullable Slot> signal = signals.remove(k);
        if (signal == null) {
            return;
        }
        Slot delivered = null;
        if (envelope != null) {
            try {
                delivered = codec.decode(envelope);
            } catch (RuntimeException e) {
                meters.corrupt(); // the waiter reads L2 instead, which handles (and evicts) a bad entry
            }
        }
        Consumer<Slot> handOut = handOuts.get(k);
        if (handOut != null && delivered != null && delivered.freshAt(clock.millis())) {
            handOut.accept(delivered); // what the waiter returns when it wakes (loadOrWait), without its wake-up first
        }
        signal.complete(delivered);
    }

    /** Wakes every waiter: it looks again, or loads locally if the link is down. */
    void linkChanged() {
        signals.forEach((k, signal) -> {
            if (signals.remove(k, signal)) {
                signal.complete(null);
            }
        });
    }
}
