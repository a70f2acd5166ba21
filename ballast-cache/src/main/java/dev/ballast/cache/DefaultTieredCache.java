package dev.ballast.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link TieredCache}. Thread-safe. */
final class DefaultTieredCache<K, V> implements TieredCache<K, V> {

    private static final Logger log = LoggerFactory.getLogger(DefaultTieredCache.class);

    /** L2 envelope: magic, format version, kind, then the codec's bytes. */
    private static final byte MAGIC = 'B';

    private static final byte FORMAT = 1;
    private static final byte KIND_VALUE = 0;
    private static final byte KIND_ABSENT = 1;
    private static final int HEADER = 3;
    private static final int MAX_KEY_LENGTH = 1024;

    private final CacheSettings settings;
    private final Codec<V> codec;
    private final Function<? super K, String> keys;
    private final RedisTier l2;
    private final String prefix;
    private final Cache<String, Slot> l1;
    private final ConcurrentMap<String, CompletableFuture<Slot>> loading = new ConcurrentHashMap<>();
    private final AtomicLong corrupt = new AtomicLong();

    DefaultTieredCache(CacheSettings settings, Codec<V> codec, Function<? super K, String> keys, RedisTier l2) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.l2 = l2;
        this.prefix = "ballast:cache:" + settings.name() + ":v" + settings.version() + ":";
        Duration value = settings.l1Ttl();
        Duration negative = settings.negativeTtl().compareTo(value) < 0 ? settings.negativeTtl() : value;
        this.l1 = Caffeine.newBuilder()
                .maximumSize(settings.l1MaximumSize())
                .expireAfter(Expiry.<String, Slot>creating((key, slot) -> slot.absent() ? negative : value))
                .build();
    }

    @Override
    public @Nullable V get(K key, CacheLoader<? super K, ? extends V> loader) {
        Objects.requireNonNull(loader, "loader");
        String id = id(key);
        Slot cached = cached(id);
        if (cached != null) {
            return value(cached);
        }
        CompletableFuture<Slot> mine = new CompletableFuture<>();
        CompletableFuture<Slot> running = loading.putIfAbsent(id, mine);
        if (running != null) {
            return value(awaitOther(running, key, id, loader));
        }
        try {
            Slot loaded = load(key, id, loader);
            mine.complete(loaded);
            return value(loaded);
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(id, mine);
        }
    }

    @Override
    public Optional<V> getIfPresent(K key) {
        Slot cached = cached(id(key));
        return cached == null ? Optional.empty() : Optional.ofNullable(value(cached));
    }

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(value, "value");
        String id = id(key);
        byte[] payload = codec.encode(value);
        if (payload.length > settings.maxValueBytes()) {
            throw new CacheException("Cache '" + settings.name() + "': value for key '" + keys.apply(key) + "' is "
                    + payload.length + " bytes, over the limit of " + settings.maxValueBytes() + "; not stored");
        }
        store(id, new Slot(value, false), payload);
    }

    @Override
    public void evict(K key) {
        String id = id(key);
        l2.delete(id);
        l1.invalidate(id);
    }

    @Override
    public void clear() {
        l2.deleteByPrefix(prefix);
        l1.invalidateAll();
    }

    @Override
    public CacheSettings settings() {
        return settings;
    }

    private @Nullable Slot cached(String id) {
        Slot slot = l1.getIfPresent(id);
        if (slot != null) {
            return slot;
        }
        slot = readL2(id);
        if (slot != null) {
            l1.put(id, slot);
        }
        return slot;
    }

    private Slot awaitOther(
            CompletableFuture<Slot> running, K key, String id, CacheLoader<? super K, ? extends V> loader) {
        try {
            return running.get(settings.loadWait().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (settings.onLoadWaitTimeout() == CacheSettings.WaitTimeoutPolicy.FAIL) {
                throw new CacheLoadTimeoutException(settings.name(), keys.apply(key), settings.loadWait());
            }
            return load(key, id, loader);
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

    private Slot load(K key, String id, CacheLoader<? super K, ? extends V> loader) {
        V value;
        try {
            value = loader.load(key);
        } catch (RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CacheException("Cache '" + settings.name() + "': loader interrupted", e);
        } catch (Exception e) {
            throw new CacheException(
                    "Cache '" + settings.name() + "': loader failed for key '" + keys.apply(key) + "'", e);
        }
        if (value == null) {
            Slot absent = new Slot(null, true);
            if (!settings.negativeTtl().isZero()) {
                l2.set(
                        id,
                        new byte[] {MAGIC, FORMAT, KIND_ABSENT},
                        settings.negativeTtl().toMillis());
                l1.put(id, absent);
            }
            return absent;
        }
        Slot slot = new Slot(value, false);
        byte[] payload = codec.encode(value);
        if (payload.length > settings.maxValueBytes()) {
            log.warn(
                    "Cache '{}': loaded value for key '{}' is {} bytes, over the limit of {}; returned, not cached",
                    settings.name(),
                    keys.apply(key),
                    payload.length,
                    settings.maxValueBytes());
            return slot;
        }
        store(id, slot, payload);
        return slot;
    }

    /** Writes L2 (when there is one), then L1. */
    private void store(String id, Slot slot, byte[] payload) {
        if (l2.enabled()) { // L1-only: the payload was needed for the size limit, not for storage
            byte[] envelope = new byte[HEADER + payload.length];
            envelope[0] = MAGIC;
            envelope[1] = FORMAT;
            envelope[2] = KIND_VALUE;
            System.arraycopy(payload, 0, envelope, HEADER, payload.length);
            l2.set(id, envelope, jittered(settings.l2Ttl().toMillis()));
        }
        l1.put(id, slot);
    }

    private @Nullable Slot readL2(String id) {
        byte[] bytes = l2.get(id);
        if (bytes == null) {
            return null;
        }
        try {
            if (bytes.length < HEADER || bytes[0] != MAGIC || bytes[1] != FORMAT) {
                throw new IllegalArgumentException("not a Ballast cache entry of format " + FORMAT);
            }
            if (bytes[2] == KIND_ABSENT && bytes.length == HEADER) {
                return new Slot(null, true);
            }
            if (bytes[2] != KIND_VALUE) {
                throw new IllegalArgumentException("unknown entry kind " + bytes[2]);
            }
            return new Slot(codec.decode(Arrays.copyOfRange(bytes, HEADER, bytes.length)), false);
        } catch (RuntimeException e) {
            long count = corrupt.incrementAndGet();
            l2.delete(id);
            if (count == 1 || count % 1000 == 0) {
                log.warn(
                        "Cache '{}': undecodable L2 entry {} evicted and treated as a miss ({} so far): {}",
                        settings.name(),
                        id,
                        count,
                        e.toString());
            }
            return null;
        }
    }

    private long jittered(long ttlMillis) {
        double cut = settings.ttlJitter() * ThreadLocalRandom.current().nextDouble();
        return Math.max(1, Math.round(ttlMillis * (1 - cut)));
    }

    private String id(K key) {
        Objects.requireNonNull(key, "key");
        String text = keys.apply(key);
        if (text == null || text.isEmpty() || text.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("Cache '" + settings.name() + "': key must format to 1 to "
                    + MAX_KEY_LENGTH + " characters, was " + (text == null ? "null" : text.length() + " characters"));
        }
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                throw new IllegalArgumentException(
                        "Cache '" + settings.name() + "': key must not contain control characters (index " + i + ")");
            }
        }
        return prefix + text;
    }

    @SuppressWarnings("unchecked")
    private @Nullable V value(Slot slot) {
        return (V) slot.value;
    }

    /** An L1 entry: a value, or the remembered answer "no value". */
    private record Slot(@Nullable Object value, boolean absent) {}
}
