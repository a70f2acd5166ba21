package dev.ballast.cache;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * L2 access that never throws: a failed call is logged (rate-limited), counted, and answered as a miss; after a failure
 * L2 is skipped for a short back-off, so an outage does not add a timeout to every call. Commands time out after 250
 * ms. The connection is opened lazily and re-opened after a failure. Thread-safe.
 */
class RedisTier {

    private static final Logger log = LoggerFactory.getLogger(RedisTier.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(250);
    private static final long BACKOFF_NANOS = Duration.ofSeconds(1).toNanos();
    private static final int MAX_SCAN_ROUNDS = 100_000;

    private final @Nullable RedisClient client;
    private final AtomicLong failures = new AtomicLong();
    private volatile @Nullable StatefulRedisConnection<String, byte[]> connection;
    private volatile long skipUntilNanos = System.nanoTime();

    private RedisTier(@Nullable RedisClient client) {
        this.client = client;
    }

    static RedisTier none() {
        return new RedisTier(null);
    }

    static RedisTier connect(RedisClient client) {
        return new RedisTier(client);
    }

    boolean enabled() {
        return client != null;
    }

    byte @Nullable [] get(String key) {
        RedisCommands<String, byte[]> redis = commands();
        if (redis == null) {
            return null;
        }
        try {
            return redis.get(key);
        } catch (RuntimeException e) {
            failed("GET", e);
            return null;
        }
    }

    void set(String key, byte[] value, long ttlMillis) {
        RedisCommands<String, byte[]> redis = commands();
        if (redis == null) {
            return;
        }
        try {
            redis.set(key, value, SetArgs.Builder.px(Math.max(1, ttlMillis)));
        } catch (RuntimeException e) {
            failed("SET", e);
        }
    }

    void delete(String key) {
        RedisCommands<String, byte[]> redis = commands();
        if (redis == null) {
            return;
        }
        try {
            redis.del(key);
        } catch (RuntimeException e) {
            failed("DEL", e);
        }
    }

    /** Deletes every key starting with {@code prefix}, by SCAN (never KEYS), in bounded rounds. */
    void deleteByPrefix(String prefix) {
        RedisCommands<String, byte[]> redis = commands();
        if (redis == null) {
            return;
        }
        try {
            ScanArgs match = ScanArgs.Builder.matches(escapeGlob(prefix) + "*").limit(500);
            ScanCursor cursor = ScanCursor.INITIAL;
            for (int round = 0; round < MAX_SCAN_ROUNDS && !cursor.isFinished(); round++) {
                KeyScanCursor<String> page = redis.scan(cursor, match);
                if (!page.getKeys().isEmpty()) {
                    redis.del(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            }
        } catch (RuntimeException e) {
            failed("SCAN/DEL", e);
        }
    }

    private @Nullable RedisCommands<String, byte[]> commands() {
        RedisClient redis = client;
        if (redis == null || System.nanoTime() - skipUntilNanos < 0) {
            return null;
        }
        StatefulRedisConnection<String, byte[]> open = connection;
        if (open == null || !open.isOpen()) {
            synchronized (this) {
                open = connection;
                if (open == null || !open.isOpen()) {
                    try {
                        open = redis.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
                        open.setTimeout(COMMAND_TIMEOUT);
                        connection = open;
                    } catch (RuntimeException e) {
                        failed("CONNECT", e);
                        return null;
                    }
                }
            }
        }
        return open.sync();
    }

    private void failed(String operation, RuntimeException e) {
        long count = failures.incrementAndGet();
        skipUntilNanos = System.nanoTime() + BACKOFF_NANOS;
        if (count == 1 || count % 1000 == 0) {
            log.warn(
                    "Redis L2 {} failed ({} failures so far); serving from L1 and the loader: {}",
                    operation,
                    count,
                    e.toString());
        }
    }

    private static String escapeGlob(String text) {
        return text.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }
}
