package dev.ballast.cache;

import dev.ballast.core.KeyRejectedException;
import dev.ballast.core.alert.AlertSink;
import io.lettuce.core.AbstractRedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TieredCache}: checks keys, runs the caller's loader, and hands each step to its part: {@link L1},
 * {@link LocalFlights} (single-flight in the JVM), {@link SharedLoad} (across instances, with {@link RedisL2}),
 * {@link EarlyRefresh}. It receives Redis's events and routes them.
 *
 * <p>Concurrency: every public method may be called from any thread; this class holds no mutable state of its own
 * (its parts say what guards theirs). Time for logical expiry, TTLs and early refresh comes from the injected clock;
 * how long a caller blocks (load waits, Redis timeouts) is real time.
 */
final class DefaultTieredCache<K, V> implements TieredCache<K, V>, L2Events {

    private static final Logger log = LoggerFactory.getLogger(DefaultTieredCache.class);
    private static final int MAX_KEY_LENGTH = 1024;

    private final CacheSettings settings;
    private final Function<? super K, String> keys;
    private final InstantSource clock;
    /** The default clock: the hit path reads its field directly (an interface call measured slower in L1HitBenchmark). */
    private final boolean coarse;

    private final CacheMeters meters;
    private final EntryCodec codec;
    private final L1 l1;
    private final LocalFlights flights;
    private final @Nullable ScheduledExecutorService scheduler;
    private final @Nullable RedisL2 l2;
    private final @Nullable SharedLoad shared;
    private final @Nullable ExecutorService ownRefresher;
    private final EarlyRefresh refresh;
    private final LocalFlights.Work work = this::fly;

    DefaultTieredCache(
            CacheSettings settings,
            Codec<V> codec,
            Function<? super K, String> keys,
            @Nullable AbstractRedisClient redis,
            AlertSink alerts,
            @Nullable MeterRegistry registry,
            @Nullable InstantSource clock,
            @Nullable Executor refreshExecutor) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.codec = new EntryCodec(settings, Objects.requireNonNull(codec, "codec"));
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = clock != null ? clock : CoarseClock.INSTANCE;
        this.coarse = clock == null;
        this.meters = new CacheMeters(registry, settings.name());
        this.l1 = new L1(settings, clock, meters, redis != null);
        this.flights = new LocalFlights(settings, l1, meters, this.clock);
        if (redis == null) {
            this.scheduler = null;
            this.l2 = null;
            this.shared = null;
        } else {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                    .name("ballast-cache-" + settings.name())
                    .daemon()
                    .factory());
            this.l2 = RedisL2.connect(redis, settings, this.codec, alerts, meters, this, scheduler, this.clock);
            this.shared = new SharedLoad(settings, l1, l2, this.codec, meters, this.clock, scheduler);
        }
        Executor refresher;
        if (refreshExecutor != null) {
            this.ownRefresher = null;
            refresher = refreshExecutor;
        } else {
            ExecutorService own = Executors.newThreadPerTaskExecutor(
                    Thread.ofVirtual().name("ballast-cache-refresh-", 0).factory());
            this.ownRefresher = own;
            refresher = own;
        }
        this.refresh = new EarlyRefresh(settings, l1, l2, shared, flights, meters, refresher, this.clock);
    }

    // --- reads ----------------------------------------------------------------------------------------------

    @Override
    public @Nullable V get(K key, CacheLoader<? super K, ? extends V> loader) {
        Objects.requireNonNull(loader, "loader");
        String k = rawKeyText(key);
        long now = coarse ? CoarseClock.now() : clock.millis();
        Slot slot = l1.hit(k, now); // only checked keys get into L1: a hit needs no check
        if (slot == null) {
            checkKeyText(k);
            slot = flights.loadOrJoin(k, () -> runLoader(key, loader), work);
            now = clock.millis(); // after the flight: an L2 hit may be near its expiry (in flight, refresh is skipped)
        }
        if (now >= slot.refreshCheckFromMillis()) { // the common case skips XFetch with this comparison
            Slot seen = slot;
            refresh.maybe(k, seen, () -> runLoader(key, loader), now);
        }
        return value(slot);
    }

    /** The flight of an L1 miss: across instances when Redis is there and reachable, else the loader alone. */
    private Slot fly(String k, KeyLoad load, long stamp, Consumer<Slot> handOut) {
        if (shared != null) {
            return shared.load(k, load, stamp, handOut);
        }
        Slot slot = load.run();
        l1.fillLoaded(k, slot, stamp);
        return slot;
    }

    @Override
    public Optional<V> getIfPresent(K key) {
        String k = rawKeyText(key);
        Slot slot = l1.hit(k, clock.millis());
        if (slot == null) {
            checkKeyText(k);
        }
        if (slot == null && l2 != null) {
            long stamp = l1.stamp(k);
            slot = l2.entries().readFresh(k);
            if (slot != null) {
                l1.fill(k, slot, stamp);
            }
        }
        return slot == null ? Optional.empty() : Optional.ofNullable(value(slot));
    }

    private Slot runLoader(K key, CacheLoader<? super K, ? extends V> loader) {
        long start = System.nanoTime();
        long startMillis = clock.millis();
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
        meters.loaded(System.nanoTime() - start, true);
        long now = clock.millis();
        int delta = (int) Math.min(Integer.MAX_VALUE, Math.max(1, now - startMillis));
        if (value == null) {
            return Slot.of(null, true, delta, now + settings.negativeTtl().toMillis(), settings.earlyRefreshBeta());
        }
        return Slot.of(value, false, delta, now + valueTtlMillis(), settings.earlyRefreshBeta());
    }

    // --- writes ---------------------------------------------------------------------------------------------

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(value, "value");
        String k = keyText(key);
        byte[] payload = codec.payloadToPut(k, value);
        long now = clock.millis();
        Slot slot = Slot.of(value, false, 0, now + valueTtlMillis(), settings.earlyRefreshBeta());
        if (l2 != null) {
            l2.entries().write(k, Envelope.value(payload, 0, slot.expiresAtMillis()), codec.redisTtlMillis(slot, now));
        }
        l1.put(k, slot);
    }

    @Override
    public void evict(K key) {
        String k = keyText(key);
        if (l2 != null) {
            l2.entries().write(k, null, 0);
        }
        l1.invalidate(k);
    }

    @Override
    public void clear() {
        if (l2 != null) {
            l2.entries().clear();
        }
        l1.clear();
    }

    @Override
    public CacheSettings settings() {
        return settings;
    }

    @Override
    public L2Status l2Status() {
        return l2 == null ? L2Status.NONE : l2.status();
    }

    /** The thread that probes Redis and checks invalidations (null without Redis); tests use it as a barrier. */
    @Nullable
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    @Override
    public void openL2Breaker(String actor) {
        if (l2 != null) {
            l2.link().hold(actor);
        }
    }

    @Override
    public L2Status closeL2Breaker() {
        if (l2 == null) {
            return L2Status.NONE;
        }
        return l2.link().release(settings.l2Timeout().plusSeconds(1));
    }

    @Override
    public void close() {
        if (ownRefresher != null) {
            ownRefresher.shutdownNow();
        }
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
        l1.invalidate(keyText);
    }

    @Override
    public void cleared() {
        l1.clear();
    }

    @Override
    public void released(String keyText, byte @Nullable [] envelope) {
        if (shared != null) {
            shared.released(keyText, envelope);
        }
    }

    @Override
    public void resync(String reason) {
        log.info("Cache '{}': L1 cleared ({}): invalidations may have been lost", settings.name(), reason);
        l1.clear();
    }

    @Override
    public void linkChanged() {
        if (shared != null) {
            shared.linkChanged();
        }
    }

    // --- keys and values ------------------------------------------------------------------------------------

    private long valueTtlMillis() {
        if (l2 == null) {
            return settings.l1Ttl().toMillis();
        }
        double cut = settings.ttlJitter() * ThreadLocalRandom.current().nextDouble();
        return Math.max(1, Math.round(settings.l2Ttl().toMillis() * (1 - cut)));
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
            throw new KeyRejectedException("Cache '" + settings.name() + "': key must format to 1 to " + MAX_KEY_LENGTH
                    + " characters, was " + text.length() + " characters");
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                throw new KeyRejectedException(
                        "Cache '" + settings.name() + "': key must not contain control characters (index " + i + ")");
            }
        }
        return text;
    }

    @SuppressWarnings("unchecked")
    private @Nullable V value(Slot slot) {
        return (V) slot.value();
    }
}
