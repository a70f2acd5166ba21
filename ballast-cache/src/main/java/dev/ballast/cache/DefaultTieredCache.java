package dev.ballast.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ballast.core.alert.AlertSink;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link TieredCache}. Thread-safe. */
final class DefaultTieredCache<K, V> implements TieredCache<K, V>, RedisL2.Events {

    private static final Logger log = LoggerFactory.getLogger(DefaultTieredCache.class);
    private static final int MAX_KEY_LENGTH = 1024;
    private static final int STRIPES = 4096;
    /** How often a caller waiting for another instance's signal checks that signals can still reach it. */
    private static final long LINK_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Marks a wait given up because no signal can arrive; never stored. */
    private static final Slot LINK_LOST = new Slot(null, true, 0, 0, Long.MAX_VALUE, Long.MIN_VALUE);

    private final CacheSettings settings;
    private final Codec<V> codec;
    private final Function<? super K, String> keys;
    private final CacheMeters meters;
    private final double earlyRefreshBeta;
    private final Cache<String, Slot> l1;
    private final @Nullable RedisL2 l2;
    private final @Nullable ScheduledExecutorService scheduler;
    private final ExecutorService refresher = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("ballast-cache-refresh-", 0).factory());
    /** Per key, this JVM's running flight (the caller that went to L2 and the loader). */
    private final ConcurrentMap<String, Flight> loading = new ConcurrentHashMap<>();
    /** Per key, this JVM's caller waiting for another instance's load: completed with the value if it came along. */
    private final ConcurrentMap<String, CompletableFuture<@Nullable Slot>> released = new ConcurrentHashMap<>();

    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    /** Invalidation stamps: a fill of L1 that started before an invalidation of its key is undone. */
    private final AtomicLongArray stamps = new AtomicLongArray(STRIPES);

    private final AtomicLong clears = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    private final AtomicLong refreshFailures = new AtomicLong();

    DefaultTieredCache(
            CacheSettings settings,
            Codec<V> codec,
            Function<? super K, String> keys,
            @Nullable RedisClient redis,
            AlertSink alerts,
            @Nullable MeterRegistry registry) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.meters = new CacheMeters(registry, settings.name());
        this.earlyRefreshBeta = settings.earlyRefreshBeta();
        // a fixed write expiry is the outer bound (Caffeine's variable expiry measured markedly slower in
        // L1HitBenchmark); a slot's own logical expiry, which can be sooner, is checked on each hit
        this.l1 = Caffeine.newBuilder()
                .maximumSize(settings.l1MaximumSize())
                .expireAfterWrite(settings.l1Ttl())
                // maintenance on the calling thread: handing it to the common pool after every L2 fill slowed L2
                // hits on 2 cores (L2HitBenchmark; figures in docs/benchmarks.md)
                .executor(Runnable::run)
                .build();
        if (redis == null) {
            this.scheduler = null;
            this.l2 = null;
        } else {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                    .name("ballast-cache-" + settings.name())
                    .daemon()
                    .factory());
            this.l2 = new RedisL2(redis, settings, alerts, meters, this, scheduler);
        }
    }

    // --- reads ----------------------------------------------------------------------------------------------

    @Override
    public @Nullable V get(K key, CacheLoader<? super K, ? extends V> loader) {
        Objects.requireNonNull(loader, "loader");
        String k = rawKeyText(key);
        long now = CoarseClock.millis();
        Slot slot = l1Hit(k, now); // only checked keys get into L1: a hit needs no check
        if (slot != null) {
            refreshEarlyIfDue(key, k, slot, loader, now);
            return value(slot);
        }
        checkKeyText(k);
        return value(loadOrJoin(key, k, loader));
    }

    /**
     * One caller per key and JVM goes to L2 and the loader; the others wait for it. A caller joins only a flight that
     * began after the last invalidation of the key (same stamp): a flight that began before it may bring the old value,
     * so the caller waits for it to end and then looks again.
     */
    private Slot loadOrJoin(K key, String k, CacheLoader<? super K, ? extends V> loader) {
        while (true) {
            long stamp = stamp(k);
            Flight mine = new Flight(new CompletableFuture<>(), stamp);
            Flight running = loading.putIfAbsent(k, mine);
            if (running == null) {
                return fly(key, k, loader, mine);
            }
            meters.coalesced(false);
            if (running.stamp() == stamp) {
                return awaitLocal(running.result(), key, k, loader, stamp);
            }
            if (!awaitEnd(running.result())) {
                return afterWaitTimeout(key, k, loader, stamp);
            }
        }
    }

    /** Runs the registered flight {@code mine}: L1 once more (another flight may have ended just before), L2, loader. */
    private Slot fly(K key, String k, CacheLoader<? super K, ? extends V> loader, Flight mine) {
        Slot found;
        try {
            found = l1Fresh(k, CoarseClock.millis());
            if (found != null) { // filled by a flight that ended between this caller's miss and its registration
                mine.result().complete(found);
                return found;
            }
            found = loadShared(key, k, loader, mine.stamp());
            mine.result().complete(found);
        } catch (RuntimeException | Error e) {
            mine.result().completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(k, mine);
        }
        // after the flight is over: an L2 hit may be near its expiry (while in flight, refresh is skipped)
        refreshEarlyIfDue(key, k, found, loader, System.currentTimeMillis());
        return found;
    }

    @Override
    public Optional<V> getIfPresent(K key) {
        String k = rawKeyText(key);
        Slot slot = l1Hit(k, CoarseClock.millis());
        if (slot == null) {
            checkKeyText(k);
            long stamp = stamp(k);
            slot = readL2(k);
            if (slot != null) {
                fillL1(k, slot, stamp);
            }
        }
        return slot == null ? Optional.empty() : Optional.ofNullable(value(slot));
    }

    private Slot awaitLocal(
            CompletableFuture<Slot> running, K key, String k, CacheLoader<? super K, ? extends V> loader, long stamp) {
        try {
            return running.get(settings.loadWait().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return afterWaitTimeout(key, k, loader, stamp);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new CacheException("Cache '" + settings.name() + "': load failed", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException("Cache '" + settings.name() + "': interrupted while waiting for a load", e);
        }
    }

    /** Waits (at most {@code loadWait}) for a flight to end, however it ends; false if it did not end in time. */
    private boolean awaitEnd(CompletableFuture<Slot> running) {
        try {
            running.exceptionally(e -> null).get(settings.loadWait().toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // exceptions were mapped to null
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException("Cache '" + settings.name() + "': interrupted while waiting for a load", e);
        }
    }

    /** A local wait ran out: {@link CacheSettings#onLoadWaitTimeout()}. */
    private Slot afterWaitTimeout(K key, String k, CacheLoader<? super K, ? extends V> loader, long stamp) {
        if (settings.onLoadWaitTimeout() == CacheSettings.WaitTimeoutPolicy.FAIL) {
            throw new CacheLoadTimeoutException(settings.name(), k, settings.loadWait());
        }
        return loadLocal(key, k, loader, stamp);
    }

    /**
     * The single-flight across instances: take the key's load lease and load, or wait for the holder's "released"
     * signal and read its value; when the wait runs out, a stale value if there is one, else the timeout policy.
     */
    private Slot loadShared(K key, String k, CacheLoader<? super K, ? extends V> loader, long stamp) {
        RedisL2 redis = l2;
        if (redis == null || !redis.available()) {
            return loadLocal(key, k, loader, stamp);
        }
        try {
            return loadShared(key, k, loader, stamp, redis);
        } finally {
            released.remove(k); // only this JVM's loading caller of k waits for its signal
        }
    }

    private Slot loadShared(K key, String k, CacheLoader<? super K, ? extends V> loader, long stamp, RedisL2 redis) {
        long deadline = System.nanoTime() + settings.loadWait().toNanos();
        long leaseNanos = settings.loadLease().toNanos();
        boolean counted = false;
        Slot stale = null;
        while (true) {
            // registered before asking for the lease, so the holder's signal cannot slip past
            CompletableFuture<@Nullable Slot> signal = released.computeIfAbsent(k, x -> new CompletableFuture<>());
            RedisL2.Lookup found = redis.lookup(k);
            RedisL2.Lease lease = found.lease();
            if (found.value() != null) {
                Slot slot = decodeOrEvict(k, found.value(), redis);
                if (slot != null && slot.expiresAtMillis() > System.currentTimeMillis()) {
                    meters.l2Hit();
                    fillL1(k, slot, stamp);
                    return slot;
                }
                if (slot != null && !slot.absent()) {
                    meters.l2Stale();
                    stale = slot;
                }
                lease = redis.tryLease(k); // expired or undecodable: load it, unless someone else is
                if (lease.status() == RedisL2.LeaseStatus.ACQUIRED) {
                    Slot filled = readL2(k); // filled by another instance between the two calls?
                    if (filled != null) {
                        redis.release(k, Objects.requireNonNull(lease.token()));
                        fillL1(k, filled, stamp);
                        return filled;
                    }
                }
            } else if (lease.status() != RedisL2.LeaseStatus.UNAVAILABLE) {
                meters.l2Miss();
            }
            if (lease.status() == RedisL2.LeaseStatus.UNAVAILABLE) {
                return loadLocal(key, k, loader, stamp);
            }
            if (lease.status() == RedisL2.LeaseStatus.ACQUIRED) {
                return loadWithLease(key, k, loader, stamp, redis, Objects.requireNonNull(lease.token()));
            }
            if (!counted) {
                meters.coalesced(true);
                counted = true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            Slot delivered = awaitSignal(signal, Math.min(left, leaseNanos), redis);
            if (delivered == LINK_LOST) { // no signal can come: the holder's value could not reach us either
                return loadLocal(key, k, loader, stamp);
            }
            if (delivered != null && delivered.expiresAtMillis() > System.currentTimeMillis()) {
                fillL1(k, delivered, stamp); // came with the signal: no GET
                return delivered;
            }
            if (deadline - System.nanoTime() <= 0) {
                Slot last = readL2(k); // one last look before giving up on the wait
                if (last != null) {
                    fillL1(k, last, stamp);
                    return last;
                }
                break;
            }
            // next round: the value is in L2 now, or the holder died (its lease ran out) and we may take over
        }
        if (stale != null) {
            meters.staleServed();
            return stale;
        }
        if (settings.onLoadWaitTimeout() == CacheSettings.WaitTimeoutPolicy.FAIL) {
            throw new CacheLoadTimeoutException(settings.name(), k, settings.loadWait());
        }
        return loadLocal(key, k, loader, stamp);
    }

    /**
     * The value that came with the signal, or null (none came along, or no signal within {@code nanos}), or
     * {@link #LINK_LOST} as soon as no signal can reach this instance (breaker open, pub/sub disconnected).
     */
    private @Nullable Slot awaitSignal(CompletableFuture<@Nullable Slot> signal, long nanos, RedisL2 redis) {
        long deadline = System.nanoTime() + nanos;
        try {
            while (true) {
                if (!redis.signalsFlowing()) {
                    return LINK_LOST;
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

    /** Loads holding the lease, renewing it meanwhile; writes L2 only if no invalidation broke the lease. */
    private Slot loadWithLease(
            K key, String k, CacheLoader<? super K, ? extends V> loader, long stamp, RedisL2 redis, String token) {
        long every = Math.max(1, settings.loadLease().toMillis() / 3);
        ScheduledFuture<?> renewal = Objects.requireNonNull(scheduler)
                .scheduleAtFixedRate(() -> redis.renew(k, token), every, every, TimeUnit.MILLISECONDS);
        boolean handedBack = false;
        try {
            Slot slot = runLoader(key, loader);
            byte[] envelope = envelope(k, slot);
            if (envelope == null) {
                return slot;
            }
            handedBack = true;
            if (redis.fill(k, token, envelope, l2Lifetime(slot))) {
                fillL1(k, slot, stamp);
            }
            return slot;
        } finally {
            renewal.cancel(false);
            if (!handedBack) {
                redis.release(k, token);
            }
        }
    }

    /** Loads without touching L2 (no L2, Redis unavailable, or a waiter that gave up): fills L1 only. */
    private Slot loadLocal(K key, String k, CacheLoader<? super K, ? extends V> loader, long stamp) {
        Slot slot = runLoader(key, loader);
        if (!slot.absent() || !settings.negativeTtl().isZero()) {
            fillL1(k, slot, stamp);
        }
        return slot;
    }

    private Slot runLoader(K key, CacheLoader<? super K, ? extends V> loader) {
        long start = System.nanoTime();
        V value;
        try {
            value = loader.load(key);
        } catch (RuntimeException e) {
            meters.loaded(System.nanoTime() - start, false);
            throw e;
        } catch (InterruptedException e) {
            meters.loaded(System.nanoTime() - start, false);
            Thread.currentThread().interrupt();
            throw new CacheException("Cache '" + settings.name() + "': loader interrupted", e);
        } catch (Exception e) {
            meters.loaded(System.nanoTime() - start, false);
            throw new CacheException(
                    "Cache '" + settings.name() + "': loader failed for key '" + keys.apply(key) + "'", e);
        }
        long took = System.nanoTime() - start;
        meters.loaded(took, true);
        int delta = (int) Math.min(Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(took)));
        long now = System.currentTimeMillis();
        if (value == null) {
            return slot(null, true, delta, now + settings.negativeTtl().toMillis());
        }
        return slot(value, false, delta, now + valueTtlMillis());
    }

    // --- early refresh --------------------------------------------------------------------------------------

    private void refreshEarlyIfDue(K key, String k, Slot slot, CacheLoader<? super K, ? extends V> loader, long now) {
        if (now < slot.refreshCheckFromMillis()) {
            return; // the common case: no draw can make it due yet
        }
        double random = ThreadLocalRandom.current().nextDouble();
        if (!XFetch.due(now, slot.deltaMillis(), slot.expiresAtMillis(), earlyRefreshBeta, random)) {
            return;
        }
        if (loading.containsKey(k) || !refreshing.add(k)) {
            return;
        }
        try {
            refresher.execute(() -> {
                try {
                    refresh(key, k, slot, loader);
                } catch (RuntimeException | Error e) {
                    long count = refreshFailures.incrementAndGet();
                    if (count == 1 || count % 1000 == 0) {
                        log.warn(
                                "Cache '{}': early refresh failed ({} so far); the value expires as usual: {}",
                                settings.name(),
                                count,
                                e.toString());
                    }
                } finally {
                    refreshing.remove(k);
                }
            });
        } catch (RuntimeException e) { // closed
            refreshing.remove(k);
        }
    }

    private void refresh(K key, String k, Slot seen, CacheLoader<? super K, ? extends V> loader) {
        long stamp = stamp(k);
        RedisL2 redis = l2;
        RedisL2.Lease lease = redis == null ? null : redis.tryLease(k);
        if (redis == null || lease.status() == RedisL2.LeaseStatus.UNAVAILABLE) {
            meters.earlyRefresh();
            loadLocal(key, k, loader, stamp);
            return;
        }
        if (lease.status() == RedisL2.LeaseStatus.HELD_ELSEWHERE) {
            return; // another instance is loading it
        }
        String token = Objects.requireNonNull(lease.token());
        Slot current = readL2(k);
        if (current != null && current.expiresAtMillis() > seen.expiresAtMillis()) {
            redis.release(k, token); // another instance refreshed it already
            fillL1(k, current, stamp);
            return;
        }
        meters.earlyRefresh();
        loadWithLease(key, k, loader, stamp, redis, token);
    }

    // --- writes ---------------------------------------------------------------------------------------------

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(value, "value");
        String k = keyText(key);
        byte[] payload = codec.encode(value);
        if (payload.length > settings.maxValueBytes()) {
            throw new CacheException("Cache '" + settings.name() + "': value for key '" + k + "' is " + payload.length
                    + " bytes, over the limit of " + settings.maxValueBytes() + "; not stored");
        }
        Slot slot = slot(value, false, 0, System.currentTimeMillis() + valueTtlMillis());
        if (l2 != null) {
            l2.write(k, Envelope.value(payload, 0, slot.expiresAtMillis()), l2Lifetime(slot));
        }
        // bumped inside the entry's lock: a load's fill of k comes before (and is replaced), or sees the new stamp, or
        // (stamp taken after the bump, before this value was visible) finds this value stamped as newer than its load
        l1.asMap().compute(k, (key1, old) -> slot.putAt(bump(key1)));
    }

    @Override
    public void evict(K key) {
        String k = keyText(key);
        if (l2 != null) {
            l2.write(k, null, 0);
        }
        invalidated(k);
    }

    @Override
    public void clear() {
        if (l2 != null) {
            l2.clear();
        }
        cleared();
    }

    @Override
    public CacheSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (l2 != null) {
            l2.close();
        }
    }

    // --- events from Redis ----------------------------------------------------------------------------------

    @Override
    public void invalidated(String keyText) {
        l1.asMap().compute(keyText, (key, old) -> {
            bump(key); // with the removal, in the entry's lock: a load that starts after it may fill L1 again
            return null;
        });
    }

    @Override
    public void cleared() {
        clears.incrementAndGet();
        l1.invalidateAll();
    }

    @Override
    public void released(String keyText, byte @Nullable [] envelope) {
        CompletableFuture<@Nullable Slot> signal = released.remove(keyText);
        if (signal == null) {
            return;
        }
        Slot delivered = null;
        if (envelope != null) {
            try {
                delivered = decode(envelope);
            } catch (RuntimeException e) {
                meters.corrupt(); // the waiter reads L2 instead, which handles (and evicts) a bad entry
            }
        }
        signal.complete(delivered);
    }

    @Override
    public void linkChanged() {
        released.forEach((k, signal) -> {
            if (released.remove(k, signal)) {
                signal.complete(null); // the waiter looks again, or loads locally if the link is down
            }
        });
    }

    @Override
    public void resync(String reason) {
        log.info("Cache '{}': L1 cleared ({}): invalidations may have been lost", settings.name(), reason);
        cleared();
    }

    // --- L1 / L2 plumbing -----------------------------------------------------------------------------------

    /** The L1 entry of {@code k} unless it is missing or past its logical expiry (then it is dropped); counted. */
    private @Nullable Slot l1Hit(String k, long now) {
        Slot slot = l1Fresh(k, now);
        meters.l1(slot != null);
        return slot;
    }

    /** The L1 entry of {@code k} unless it is missing or past its logical expiry (then it is dropped). */
    private @Nullable Slot l1Fresh(String k, long now) {
        Slot slot = l1.getIfPresent(k);
        if (slot != null && slot.expiresAtMillis() <= now) {
            l1.asMap().remove(k, slot);
            slot = null;
        }
        return slot;
    }

    private long stamp(String k) {
        return stamps.get(stripe(k)) + clears.get();
    }

    /** Marks an invalidation of {@code k}; the key's stamp after it. */
    private long bump(String k) {
        return stamps.incrementAndGet(stripe(k)) + clears.get();
    }

    private static int stripe(String k) {
        return (k.hashCode() & 0x7fffffff) % STRIPES;
    }

    /**
     * Puts into L1 unless an invalidation of the key (put, evict, clear, a message) came since {@code stamp} was taken.
     * Checked inside the entry's lock, where a put also bumps the stamp: a put that completed while the load ran is
     * neither overwritten nor removed.
     */
    private void fillL1(String k, Slot slot, long stamp) {
        if (stamp(k) != stamp) {
            return;
        }
        l1.asMap()
                .compute(k, (key, old) -> stamp(key) == stamp && (old == null || old.putStamp() < stamp) ? slot : old);
    }

    private long valueTtlMillis() {
        if (l2 == null) {
            return settings.l1Ttl().toMillis();
        }
        double cut = settings.ttlJitter() * ThreadLocalRandom.current().nextDouble();
        return Math.max(1, Math.round(settings.l2Ttl().toMillis() * (1 - cut)));
    }

    /** Redis TTL: the logical lifetime plus, for values, the stale TTL. */
    private long l2Lifetime(Slot slot) {
        long left = Math.max(1, slot.expiresAtMillis() - System.currentTimeMillis());
        return slot.absent() ? left : left + settings.staleTtl().toMillis();
    }

    /** The L2 bytes of a loaded slot, or null if it must not be stored (oversized, or "no value" not cached). */
    private byte @Nullable [] envelope(String k, Slot slot) {
        if (slot.absent()) {
            return settings.negativeTtl().isZero() ? null : Envelope.absent(slot.deltaMillis(), slot.expiresAtMillis());
        }
        @SuppressWarnings("unchecked")
        byte[] payload = codec.encode((V) slot.value());
        if (payload.length > settings.maxValueBytes()) {
            log.warn(
                    "Cache '{}': loaded value for key '{}' is {} bytes, over the limit of {}; returned, not cached",
                    settings.name(),
                    k,
                    payload.length,
                    settings.maxValueBytes());
            return null;
        }
        return Envelope.value(payload, slot.deltaMillis(), slot.expiresAtMillis());
    }

    /** The fresh L2 entry of {@code k}, or null (none, expired, undecodable, or Redis unavailable). */
    private @Nullable Slot readL2(String k) {
        RedisL2 redis = l2;
        if (redis == null || !redis.available()) {
            return null;
        }
        byte[] bytes = redis.get(k);
        if (bytes == null) {
            meters.l2Miss();
            return null;
        }
        Slot slot = decodeOrEvict(k, bytes, redis);
        if (slot == null) {
            return null;
        }
        if (slot.expiresAtMillis() > System.currentTimeMillis()) {
            meters.l2Hit();
            return slot;
        }
        meters.l2Stale();
        return null;
    }

    /** The slot in L2 bytes, or null if they cannot be decoded: then the entry is evicted, counted and logged. */
    private @Nullable Slot decodeOrEvict(String k, byte[] bytes, RedisL2 redis) {
        try {
            return decode(bytes);
        } catch (RuntimeException e) {
            meters.corrupt();
            long count = corrupt.incrementAndGet();
            redis.deleteCorrupt(k);
            if (count == 1 || count % 1000 == 0) {
                log.warn(
                        "Cache '{}': undecodable L2 entry for key '{}' evicted and treated as a miss ({} so far): {}",
                        settings.name(),
                        k,
                        count,
                        e.toString());
            }
            return null;
        }
    }

    /**
     * The slot in L2 bytes.
     *
     * @throws RuntimeException if they are not an entry of this cache's format and value type
     */
    private Slot decode(byte[] bytes) {
        Envelope.Header header = Envelope.header(bytes);
        Object value = header.absent() ? null : codec.decode(Arrays.copyOfRange(bytes, Envelope.HEADER, bytes.length));
        return slot(value, header.absent(), header.deltaMillis(), header.expiresAtMillis());
    }

    private String keyText(K key) {
        return checkKeyText(rawKeyText(key));
    }

    private String rawKeyText(K key) {
        Objects.requireNonNull(key, "key");
        String text = keys.apply(key);
        if (text == null) {
            throw new IllegalArgumentException("Cache '" + settings.name() + "': key must format to 1 to "
                    + MAX_KEY_LENGTH + " characters, was null");
        }
        return text;
    }

    private String checkKeyText(String text) {
        if (text.isEmpty() || text.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("Cache '" + settings.name() + "': key must format to 1 to "
                    + MAX_KEY_LENGTH + " characters, was " + text.length() + " characters");
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                throw new IllegalArgumentException(
                        "Cache '" + settings.name() + "': key must not contain control characters (index " + i + ")");
            }
        }
        return text;
    }

    @SuppressWarnings("unchecked")
    private @Nullable V value(Slot slot) {
        return (V) slot.value();
    }

    /** A load in flight in this JVM and the invalidation stamp of its key when it began. */
    private record Flight(CompletableFuture<Slot> result, long stamp) {}

    /**
     * An entry: a value or the remembered answer "no value", how long its load took and when it expires (epoch ms);
     * for a value written by {@code put}, the key's invalidation stamp that the put set (else {@code Long.MIN_VALUE}).
     */
    record Slot(
            @Nullable Object value,
            boolean absent,
            int deltaMillis,
            long expiresAtMillis,
            long refreshCheckFromMillis,
            long putStamp) {

        Slot putAt(long stamp) {
            return new Slot(value, absent, deltaMillis, expiresAtMillis, refreshCheckFromMillis, stamp);
        }
    }

    /** A slot that knows from when on an early refresh can be due, so most hits skip XFetch with one comparison. */
    private Slot slot(@Nullable Object value, boolean absent, int deltaMillis, long expiresAtMillis) {
        long checkFrom = absent || deltaMillis == 0 || earlyRefreshBeta == 0
                ? Long.MAX_VALUE
                : XFetch.earliestDue(deltaMillis, expiresAtMillis, earlyRefreshBeta);
        return new Slot(value, absent, deltaMillis, expiresAtMillis, checkFrom, Long.MIN_VALUE);
    }
}
