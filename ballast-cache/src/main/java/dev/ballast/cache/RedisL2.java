package dev.ballast.cache;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cache's view of Redis: entries, load leases, invalidation messages and the breaker in front of all of it. No call
 * throws: a failed call is counted, logged (rate-limited) and answered as "unavailable"; {@value #FAILURE_THRESHOLD}
 * failures in a row open the breaker (WARNING alert), after which Redis is not called until a probe on the scheduler
 * succeeds (INFO alert, and L1 is cleared because invalidations may have been missed meanwhile). Thread-safe.
 */
final class RedisL2 implements AutoCloseable {

    /** What Redis tells the cache. Called on Lettuce's or the scheduler's threads; must not block. */
    interface Events {
        /** Another instance changed or removed {@code keyText}. */
        void invalidated(String keyText);

        /** Another instance cleared the cache. */
        void cleared();

        /**
         * The load lease of {@code keyText} was released: waiters should look again. {@code envelope} is the value the
         * holder wrote (its L2 bytes), when it wrote one small enough to travel with the signal.
         */
        void released(String keyText, byte @Nullable [] envelope);

        /** Invalidations may have been lost: clear L1. */
        void resync(String reason);

        /**
         * The link to Redis broke or came back (breaker opened or closed, pub/sub re-subscribed): a caller waiting for
         * another instance's "released" signal must stop waiting and look again (or load locally).
         */
        void linkChanged();
    }

    /** Outcome of asking for a load lease. */
    enum LeaseStatus {
        ACQUIRED,
        HELD_ELSEWHERE,
        UNAVAILABLE
    }

    record Lease(LeaseStatus status, @Nullable String token) {}

    /** What {@link #lookup} found: the entry's bytes, or no entry and the outcome of asking for the lease. */
    record Lookup(byte @Nullable [] value, Lease lease) {}

    static final int FAILURE_THRESHOLD = 3;
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(RedisL2.class);
    private static final int MAX_SCAN_ROUNDS = 100_000;
    /** Largest value sent along with the "released" signal, saving every waiting instance a GET. */
    private static final int MAX_DELIVERED_BYTES = 64 * 1024;

    private static final Script WRITE = new Script("""
            local s = redis.call('INCR', KEYS[3])
            if ARGV[1] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
            redis.call('DEL', KEYS[2])
            redis.call('PUBLISH', ARGV[3], 'I|' .. ARGV[4] .. '|' .. s .. '|' .. ARGV[5])
            return s""");
    private static final Script CLEARED = new Script("""
            local s = redis.call('INCR', KEYS[1])
            redis.call('PUBLISH', ARGV[1], 'C|' .. ARGV[2] .. '|' .. s .. '|' .. ARGV[3])
            return s""");
    private static final Script FILL = new Script("""
            local ok = 0
            if redis.call('GET', KEYS[2]) == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
              redis.call('DEL', KEYS[2])
              ok = 1
            end
            if ok == 1 and ARGV[6] == '1' then
              redis.call('PUBLISH', ARGV[4], ARGV[5] .. ARGV[2])
            else
              redis.call('PUBLISH', ARGV[4], ARGV[5])
            end
            return ok""");
    private static final Script RELEASE = new Script("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
            redis.call('PUBLISH', ARGV[2], ARGV[3])
            return 0""");
    private static final Script LOOKUP = new Script("""
            local v = redis.call('GET', KEYS[1])
            if v then return {0, v} end
            if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end
            return {2}""");
    private static final Script RENEW = new Script("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 0""");

    private final RedisClient client;
    private final CacheSettings settings;
    private final AlertSink alerts;
    private final CacheMeters meters;
    private final Events events;
    private final ScheduledExecutorService scheduler;
    private final String origin = UUID.randomUUID().toString();
    private final String dataPrefix;
    private final String leasePrefix;
    private final String seqKey;
    private final String channel;
    private final String readyPrefix;
    private final byte[] readyPrefixBytes;
    private final L2Breaker breaker = new L2Breaker(FAILURE_THRESHOLD);
    private final AtomicLong failures = new AtomicLong();
    private final SequenceTracker sequence;
    private volatile @Nullable StatefulRedisConnection<String, byte[]> connection;
    private volatile @Nullable StatefulRedisPubSubConnection<String, byte[]> pubSub;
    private volatile boolean subscribedOnce;
    private volatile boolean closed;

    RedisL2(
            RedisClient client,
            CacheSettings settings,
            AlertSink alerts,
            CacheMeters meters,
            Events events,
            ScheduledExecutorService scheduler) {
        this.client = client;
        this.settings = settings;
        this.alerts = alerts;
        this.meters = meters;
        this.events = events;
        this.scheduler = scheduler;
        String base = "ballast:cache:" + settings.name();
        this.dataPrefix = base + ":v" + settings.version() + ":";
        this.leasePrefix = base + ":v" + settings.version() + "#lease:";
        this.seqKey = base + "#seq";
        this.channel = base + "#events";
        this.readyPrefix = "R|" + settings.version() + "|";
        this.readyPrefixBytes = bytes(readyPrefix);
        meters.breakerGauge(breaker::state);
        try {
            this.connection = open();
        } catch (RuntimeException e) {
            failed("CONNECT", e); // the probe connects once the breaker is open
        }
        Long start = call("GET", redis -> parseLong(redis.get(seqKey)));
        this.sequence = new SequenceTracker(start == null ? 0 : start);
        subscribe();
        long every = CHECK_INTERVAL.toMillis();
        scheduler.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    boolean available() {
        return breaker.closed();
    }

    /**
     * Whether a "released" signal can reach this instance: the breaker is closed and the pub/sub connection is
     * connected. A caller waiting for another instance's load gives up waiting when this turns false.
     */
    boolean signalsFlowing() {
        StatefulRedisPubSubConnection<String, byte[]> subscription = pubSub;
        return breaker.closed() && subscription != null && subscription.isOpen();
    }

    byte @Nullable [] get(String keyText) {
        return call("GET", redis -> redis.get(dataPrefix + keyText));
    }

    /** Deletes an entry that could not be decoded; no invalidation (nobody can have it in L1). */
    void deleteCorrupt(String keyText) {
        call("DEL", redis -> redis.del(dataPrefix + keyText));
    }

    /** Writes {@code envelope} (or deletes, if null), breaks any load lease, and tells every instance. */
    void write(String keyText, byte @Nullable [] envelope, long ttlMillis) {
        byte[][] args = {
            envelope == null ? new byte[0] : envelope,
            bytes(Long.toString(Math.max(1, ttlMillis))),
            bytes(channel),
            bytes(origin),
            bytes(nowMicros() + "|" + keyText)
        };
        Long seq = call(
                envelope == null ? "EVICT" : "PUT",
                redis -> eval(
                        redis,
                        WRITE,
                        ScriptOutputType.INTEGER,
                        new String[] {dataPrefix + keyText, leasePrefix + keyText, seqKey},
                        args));
        if (seq != null) {
            meters.invalidationSent();
        }
    }

    /** Deletes every entry and lease of this cache version by SCAN (never KEYS), then tells every instance. */
    void clear() {
        Boolean done = call("CLEAR", redis -> {
            scanDelete(redis, dataPrefix);
            scanDelete(redis, leasePrefix);
            eval(
                    redis,
                    CLEARED,
                    ScriptOutputType.INTEGER,
                    new String[] {seqKey},
                    bytes(channel),
                    bytes(origin),
                    bytes(Long.toString(nowMicros())));
            return true;
        });
        if (done != null) {
            meters.invalidationSent();
        }
    }

    private static void scanDelete(RedisCommands<String, byte[]> redis, String prefix) {
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

    /**
     * One round trip for a miss in L1: the entry if there is one, else the key's load lease if nobody holds it. An
     * expired entry is returned too (the caller decides what is fresh); it then asks for the lease with
     * {@link #tryLease}.
     */
    Lookup lookup(String keyText) {
        String token = UUID.randomUUID().toString();
        List<Object> reply = call(
                "LOOKUP",
                redis -> eval(
                        redis,
                        LOOKUP,
                        ScriptOutputType.MULTI,
                        new String[] {dataPrefix + keyText, leasePrefix + keyText},
                        bytes(token),
                        bytes(Long.toString(settings.loadLease().toMillis()))));
        if (reply == null) {
            return new Lookup(null, new Lease(LeaseStatus.UNAVAILABLE, null));
        }
        long status = (Long) reply.getFirst();
        if (status == 0) {
            return new Lookup((byte[]) reply.get(1), new Lease(LeaseStatus.HELD_ELSEWHERE, null));
        }
        return new Lookup(
                null,
                status == 1 ? new Lease(LeaseStatus.ACQUIRED, token) : new Lease(LeaseStatus.HELD_ELSEWHERE, null));
    }

    Lease tryLease(String keyText) {
        String token = UUID.randomUUID().toString();
        Boolean acquired = call("LEASE", redis -> {
            String reply = redis.set(
                    leasePrefix + keyText,
                    bytes(token),
                    SetArgs.Builder.nx().px(settings.loadLease().toMillis()));
            return reply != null;
        });
        if (acquired == null) {
            return new Lease(LeaseStatus.UNAVAILABLE, null);
        }
        return acquired ? new Lease(LeaseStatus.ACQUIRED, token) : new Lease(LeaseStatus.HELD_ELSEWHERE, null);
    }

    /** Extends a held lease; false if it is no longer ours (or Redis did not answer). */
    boolean renew(String keyText, String token) {
        Long extended = call(
                "RENEW",
                redis -> eval(
                        redis,
                        RENEW,
                        ScriptOutputType.INTEGER,
                        new String[] {leasePrefix + keyText},
                        bytes(token),
                        bytes(Long.toString(settings.loadLease().toMillis()))));
        return extended != null && extended == 1;
    }

    /**
     * Writes a loaded value only if the lease is still ours (no put, evict or clear broke it while the load ran), then
     * releases it and signals waiters; true if written.
     */
    boolean fill(String keyText, String token, byte[] envelope, long ttlMillis) {
        Long written = call(
                "FILL",
                redis -> eval(
                        redis,
                        FILL,
                        ScriptOutputType.INTEGER,
                        new String[] {dataPrefix + keyText, leasePrefix + keyText},
                        bytes(token),
                        envelope,
                        bytes(Long.toString(Math.max(1, ttlMillis))),
                        bytes(channel),
                        readyMessage(keyText),
                        bytes(envelope.length <= MAX_DELIVERED_BYTES ? "1" : "0")));
        return written != null && written == 1;
    }

    /** Gives the lease back without a value and signals waiters. */
    void release(String keyText, String token) {
        call(
                "RELEASE",
                redis -> eval(
                        redis,
                        RELEASE,
                        ScriptOutputType.INTEGER,
                        new String[] {leasePrefix + keyText},
                        bytes(token),
                        bytes(channel),
                        readyMessage(keyText)));
    }

    /** {@code R|<version>|<key length in bytes>|<key>}; the holder's value may follow. */
    private byte[] readyMessage(String keyText) {
        byte[] key = bytes(keyText);
        byte[] head = bytes(readyPrefix + key.length + "|");
        byte[] message = Arrays.copyOf(head, head.length + key.length);
        System.arraycopy(key, 0, message, head.length, key.length);
        return message;
    }

    @Override
    public void close() {
        closed = true;
        StatefulRedisPubSubConnection<String, byte[]> subscription = pubSub;
        if (subscription != null) {
            subscription.close();
        }
        StatefulRedisConnection<String, byte[]> open = connection;
        if (open != null) {
            open.close();
        }
    }

    // --- messages -------------------------------------------------------------------------------------------

    private void subscribe() {
        StatefulRedisPubSubConnection<String, byte[]> subscription = null;
        try {
            subscription = client.connectPubSub(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            subscription.setTimeout(settings.l2Timeout());
            subscription.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String from, byte[] message) {
                    onMessage(message);
                }

                @Override
                public void subscribed(String to, long count) {
                    if (subscribedOnce) { // re-subscribed after a reconnect: messages in between are lost
                        resync("reconnect");
                        events.linkChanged();
                    }
                    subscribedOnce = true;
                }
            });
            subscription.sync().subscribe(channel);
            pubSub = subscription;
        } catch (RuntimeException e) {
            if (subscription != null) {
                subscription.closeAsync();
            }
            failed("SUBSCRIBE", e); // retried by the scheduler
        }
    }

    void onMessage(byte[] raw) {
        try {
            if (raw.length > 1 && raw[0] == 'R' && raw[1] == '|') {
                onReleased(raw);
                return;
            }
            String message = new String(raw, StandardCharsets.UTF_8);
            // I|origin|seq|sentMicros|keyText  or  C|origin|seq|sentMicros
            String[] parts = message.split("\\|", 5);
            long seq = Long.parseLong(parts[2]);
            boolean mine = origin.equals(parts[1]);
            if (sequence.message(seq)) {
                resync("gap");
            }
            if (mine) {
                return;
            }
            meters.invalidationReceived(Duration.ofNanos((nowMicros() - Long.parseLong(parts[3])) * 1000));
            if (parts[0].equals("C")) {
                events.cleared();
            } else {
                events.invalidated(parts[4]);
            }
        } catch (RuntimeException e) {
            log.warn("Cache '{}': unreadable invalidation message ignored; L1 cleared to be safe", settings.name(), e);
            resync("unreadable");
        }
    }

    /** {@code R|<version>|<key length>|<key>[value]}: only this version's signals concern this cache. */
    private void onReleased(byte[] raw) {
        byte[] prefix = readyPrefixBytes;
        if (raw.length < prefix.length || !Arrays.equals(raw, 0, prefix.length, prefix, 0, prefix.length)) {
            return; // another version's lease
        }
        int bar = prefix.length;
        while (raw[bar] != '|') {
            bar++;
        }
        int length = Integer.parseInt(new String(raw, prefix.length, bar - prefix.length, StandardCharsets.US_ASCII));
        int keyStart = bar + 1;
        String keyText = new String(raw, keyStart, length, StandardCharsets.UTF_8);
        int valueStart = keyStart + length;
        events.released(keyText, valueStart < raw.length ? Arrays.copyOfRange(raw, valueStart, raw.length) : null);
    }

    private void resync(String reason) {
        meters.resync(reason);
        events.resync(reason);
    }

    /** Every {@link #CHECK_INTERVAL}: probe while open, else compare the invalidation counter with what arrived. */
    private void tick() {
        if (closed) {
            return;
        }
        try {
            if (!breaker.closed()) {
                probe();
                return;
            }
            if (pubSub == null) {
                subscribe();
            }
            Long current = call("GET", redis -> parseLong(redis.get(seqKey)));
            if (current != null && sequence.check(current)) {
                resync("gap");
            }
        } catch (RuntimeException e) {
            log.warn("Cache '{}': periodic Redis check failed", settings.name(), e);
        }
    }

    /**
     * Closes the breaker only when the connections the cache uses work: the command connection answers PING and the
     * pub/sub connection is subscribed and answers PING. A connection that Lettuce has not reconnected yet (its
     * reconnect back-off grows to seconds during a long outage) is replaced by a fresh one, so recovery does not wait
     * for that back-off and waiters never wait for signals that cannot arrive.
     */
    private void probe() {
        try {
            RedisCommands<String, byte[]> redis = liveCommands();
            redis.ping();
            long current = parseLong(redis.get(seqKey));
            livePubSub();
            if (breaker.probeSucceeded()) {
                sequence.reset(current);
                resync("recovered");
                events.linkChanged();
                alerts.send(Alert.builder(Severity.INFO, "Cache '" + settings.name() + "': Redis L2 is back")
                        .detail("The breaker closed after a successful probe; L1 was cleared because invalidations"
                                + " may have been missed during the outage.")
                        .fingerprint("ballast-cache-l2|" + settings.name())
                        .label("module", "cache")
                        .label("cache", settings.name())
                        .build());
                log.info("Cache '{}': Redis L2 is back; breaker closed", settings.name());
            }
        } catch (RuntimeException e) {
            meters.l2Error("PROBE");
        }
    }

    /** The command connection, replaced by a fresh one if it is not connected. */
    private RedisCommands<String, byte[]> liveCommands() {
        StatefulRedisConnection<String, byte[]> current = connection;
        if (current == null || !current.isOpen()) {
            StatefulRedisConnection<String, byte[]> fresh = open();
            connection = fresh;
            if (current != null) {
                current.closeAsync();
            }
            current = fresh;
        }
        return current.sync();
    }

    /** Checks the pub/sub connection with a PING, or subscribes on a fresh one if it is not connected. */
    private void livePubSub() {
        StatefulRedisPubSubConnection<String, byte[]> current = pubSub;
        if (current != null && current.isOpen()) {
            current.sync().ping();
            return;
        }
        pubSub = null;
        if (current != null) {
            current.closeAsync();
        }
        subscribe();
        if (pubSub == null) {
            throw new IllegalStateException("pub/sub subscription failed");
        }
    }

    // --- calls --------------------------------------------------------------------------------------------

    /** A Lua script, sent by its SHA-1 digest once Redis knows it (the full text only the first time per server). */
    private record Script(String text, String sha1) {
        Script(String text) {
            this(text, sha1(text));
        }

        private static String sha1(String text) {
            try {
                return HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
            }
        }
    }

    private static <T> T eval(
            RedisCommands<String, byte[]> redis, Script script, ScriptOutputType type, String[] keys, byte[]... args) {
        try {
            return redis.evalsha(script.sha1(), type, keys, args);
        } catch (RedisNoScriptException e) { // first use on this server, or after a restart or SCRIPT FLUSH
            return redis.eval(script.text(), type, keys, args);
        }
    }

    private interface Call<T> {
        @Nullable
        T run(RedisCommands<String, byte[]> redis);
    }

    private <T> @Nullable T call(String operation, Call<T> body) {
        if (!breaker.closed() || closed) {
            return null;
        }
        try {
            T result = body.run(commands());
            breaker.success();
            return result;
        } catch (RuntimeException e) {
            failed(operation, e);
            return null;
        }
    }

    /**
     * The command connection; fails at once while it is not connected (Lettuce reconnects it in the background, and
     * the probe replaces it once the breaker is open), so no caller waits on a connection attempt.
     */
    private RedisCommands<String, byte[]> commands() {
        StatefulRedisConnection<String, byte[]> open = connection;
        if (open == null || !open.isOpen()) {
            throw new RedisConnectionException("not connected to Redis");
        }
        return open.sync();
    }

    private StatefulRedisConnection<String, byte[]> open() {
        StatefulRedisConnection<String, byte[]> fresh =
                client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
        fresh.setTimeout(settings.l2Timeout());
        return fresh;
    }

    private void failed(String operation, RuntimeException e) {
        meters.l2Error(operation);
        long count = failures.incrementAndGet();
        if (breaker.failure()) {
            log.warn(
                    "Cache '{}': Redis L2 failing ({} {}); breaker open, serving from L1 and the loader",
                    settings.name(),
                    operation,
                    e.toString());
            alerts.send(Alert.builder(Severity.WARNING, "Cache '" + settings.name() + "': Redis L2 unavailable")
                    .detail("Breaker open after " + FAILURE_THRESHOLD + " failed Redis calls (last: " + operation + ", "
                            + e.getClass().getSimpleName() + "). Callers are served from L1 and the loader; Redis"
                            + " is probed every " + CHECK_INTERVAL.toSeconds() + " s.")
                    .fingerprint("ballast-cache-l2|" + settings.name())
                    .label("module", "cache")
                    .label("cache", settings.name())
                    .build());
            events.linkChanged();
        } else if (count == 1 || count % 1000 == 0) {
            log.warn(
                    "Cache '{}': Redis L2 {} failed ({} failures so far): {}",
                    settings.name(),
                    operation,
                    count,
                    e.toString());
        }
    }

    /** Wall clock in microseconds: invalidation delays are compared across instances (hosts' clocks in sync). */
    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private static long parseLong(byte @Nullable [] value) {
        return value == null ? 0 : Long.parseLong(new String(value, StandardCharsets.US_ASCII));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String escapeGlob(String text) {
        return text.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }
}
