package dev.ballast.cache;

import static dev.ballast.cache.RedisKeys.bytes;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache's entries in Redis: reads (decoded; an undecodable entry is evicted, counted and logged, never thrown),
 * writes and deletes that break the key's load lease and publish a numbered invalidation, and {@code clear} by SCAN.
 *
 * <p>Concurrency: called from callers' and refresh threads; no state of its own beyond a failure counter.
 */
final class RedisEntries {

    private static final Logger log = LoggerFactory.getLogger(RedisEntries.class);
    private static final int MAX_SCAN_ROUNDS = 100_000;

    private static final LuaScript WRITE = new LuaScript("""
            local s = redis.call('INCR', KEYS[3])
            if ARGV[1] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
            redis.call('DEL', KEYS[2])
            redis.call('PUBLISH', ARGV[3], 'I|' .. ARGV[4] .. '|' .. s .. '|' .. ARGV[5])
            return s""");
    private static final LuaScript CLEARED = new LuaScript("""
            local s = redis.call('INCR', KEYS[1])
            redis.call('PUBLISH', ARGV[1], 'C|' .. ARGV[2] .. '|' .. s .. '|' .. ARGV[3])
            return s""");

    private final CacheSettings settings;
    private final RedisKeys keys;
    private final RedisLink link;
    private final InvalidationChannel channel;
    private final EntryCodec codec;
    private final CacheMeters meters;
    private final InstantSource clock;
    private final AtomicLong corrupt = new AtomicLong();

    RedisEntries(
            CacheSettings settings,
            RedisKeys keys,
            RedisLink link,
            InvalidationChannel channel,
            EntryCodec codec,
            CacheMeters meters,
            InstantSource clock) {
        this.settings = settings;
        this.keys = keys;
        this.link = link;
        this.channel = channel;
        this.codec = codec;
        this.meters = meters;
        this.clock = clock;
    }

    /** The fresh entry of {@code k}, or null (none, expired, undecodable, or Redis unavailable); counted. */
    @Nullable
    Slot readFresh(String k) {
        if (!link.available()) {
            return null;
        }
        byte[] bytes = link.call("GET", redis -> redis.get(keys.data(k)));
        if (bytes == null) {
            meters.l2Miss();
            return null;
        }
        Slot slot = decodeOrEvict(k, bytes);
        if (slot == null) {
            return null;
        }
        if (slot.freshAt(clock.millis())) {
            meters.l2Hit();
            return slot;
        }
        meters.l2Stale();
        return null;
    }

    /** The slot in L2 bytes, or null if they cannot be decoded: then the entry is evicted, counted and logged. */
    @Nullable
    Slot decodeOrEvict(String k, byte[] bytes) {
        try {
            return codec.decode(bytes);
        } catch (RuntimeException e) {
            meters.corrupt();
            long count = corrupt.incrementAndGet();
            link.call("DEL", redis -> redis.del(keys.data(k))); // no invalidation: nobody can have it in L1
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

    /** Writes {@code envelope} (or deletes, if null), breaks any load lease, and tells every instance. */
    void write(String k, byte @Nullable [] envelope, long ttlMillis) {
        byte[][] args = {
            envelope == null ? new byte[0] : envelope,
            bytes(Long.toString(Math.max(1, ttlMillis))),
            bytes(link.channel()),
            bytes(channel.origin()),
            bytes(InvalidationChannel.nowMicros() + "|" + k)
        };
        Long seq = link.call(
                envelope == null ? "EVICT" : "PUT",
                redis -> WRITE.eval(
                        redis, ScriptOutputType.INTEGER, new String[] {keys.data(k), keys.lease(k), keys.seq()}, args));
        if (seq != null) {
            meters.invalidationSent();
        }
    }

    /** Deletes every entry and lease of this cache version by SCAN (never KEYS), then tells every instance. */
    void clear() {
        Boolean done = link.call("CLEAR", redis -> {
            scanDelete(redis, keys.dataPrefix());
            scanDelete(redis, keys.leasePrefix());
            CLEARED.eval(
                    redis,
                    ScriptOutputType.INTEGER,
                    new String[] {keys.seq()},
                    bytes(link.channel()),
                    bytes(channel.origin()),
                    bytes(Long.toString(InvalidationChannel.nowMicros())));
            return true;
        });
        if (done != null) {
            meters.invalidationSent();
        }
    }

    private static void scanDelete(RedisClusterCommands<String, byte[]> redis, String prefix) {
        ScanArgs match = ScanArgs.Builder.matches(escapeGlob(prefix) + "*").limit(500);
        ScanCursor cursor = ScanCursor.INITIAL;
        for (int round = 0; round < MAX_SCAN_ROUNDS && !cursor.isFinished(); round++) {
            KeyScanCursor<String> page = redis.scan(cursor, match);
            if (!page.getKeys().isEmpty()) {
                redis.del(page.getKeys().toArray(String[]::new));
            }
            cursor = page;
        }
    }

    private static String escapeGlob(String text) {
        return text.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }
}
