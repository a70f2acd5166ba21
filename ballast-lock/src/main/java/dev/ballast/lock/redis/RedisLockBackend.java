package dev.ballast.lock.redis;

import dev.ballast.lock.LockClock;
import dev.ballast.lock.internal.LockBackend;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Locks in Redis: {@code SET key owner NX PX lease} and the fencing counter's update in one script, renewal and release
 * as compare-and-set scripts on the owner, and a pub/sub message on release that wakes each instance's contender for
 * the key (the strategy queues the other waiters in the instance; the contender also polls, so a missed message costs
 * one polling interval, never a hang).
 *
 * <p>A token is never below Redis's clock in microseconds: {@code max(last + 1, now)}. So tokens issued after a data loss
 * (a restart without persistence) still exceed earlier ones, and tokens issued after a fail-over from a database backend
 * whose tokens have the same clock floor exceed that backend's. The same floor
 * covers a Sentinel or Cluster failover in which asynchronous replication lost the last counter updates: the promoted
 * replica's clock has moved on since the lost acquisitions (a failover takes at least the failure-detection timeout), so
 * its tokens exceed theirs as long as the nodes' clocks agree to within that time.
 *
 * <p>The same floor lets the counter expire: each acquisition (and each raise) sets it to live for the fence retention
 * (a day by default), so a key that is no longer locked, such as a made-up id or an instance's start-up probe, leaves
 * nothing behind for good. A counter that expired, like one lost, restarts at Redis's clock, which by then has passed
 * every token it handed out by the retention, unless a token ran ahead of that clock by more (a floor raised from a
 * database whose clock is ahead of Redis's, or Redis's clock set back) — hence a retention of hours, never seconds.
 *
 * <p>On a Redis Cluster, a key's lock and fence counter share a hash tag, so each script touches one slot; a call goes
 * to the primary of that slot. Scripts are sent by their SHA-1 digest and the full text only when a node answers {@code
 * NOSCRIPT} (first use there, a restart, a promoted replica, {@code SCRIPT FLUSH}): nothing is loaded up front, so a
 * node that is down at start-up costs nothing. Release notices use classic pub/sub, which a cluster forwards to every
 * node. Thread-safe.
 */
final class RedisLockBackend implements LockBackend {

    static final String CHANNEL = "ballast:lock:released";

    private static final String ACQUIRE = """
            if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
              local now = redis.call('TIME')
              local floor = now[1] * 1000000 + now[2]
              local token = math.max(tonumber(redis.call('GET', KEYS[2]) or '0') + 1, floor)
              redis.call('SET', KEYS[2], string.format('%.0f', token), 'PX', ARGV[3])
              return token
            end
            return 0
            """;
    private static final String RENEW = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('PEXPIRE', KEYS[1], ARGV[2])
            end
            return 0
            """;
    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('DEL', KEYS[1])
              redis.call('PUBLISH', ARGV[2], ARGV[3])
              return 1
            end
            return 0
            """;

    private static final String RAISE_FENCE = """
            local floor = tonumber(ARGV[1])
            local last = tonumber(redis.call('GET', KEYS[1]) or '0')
            redis.call('SET', KEYS[1], string.format('%.0f', math.max(last, floor)), 'PX', ARGV[2])
            return 1
            """;

    /** The most keys tried when looking for one per cluster primary (each primary owns about 1/N of the slots). */
    static final int PROBE_KEY_TRIES = 100_000;

    private final RedisLink link;
    private final @Nullable RedisClusterClient cluster;
    /** How long a fence counter lives after its last acquisition or raise, in milliseconds. */
    private final String fenceRetention;
    /** Per key, this instance's contender (one per key: the strategy queues the other waiters locally). */
    private final ConcurrentMap<String, Semaphore> waiters = new ConcurrentHashMap<>();

    private static final String ACQUIRE_SHA = sha1(ACQUIRE);
    private static final String RENEW_SHA = sha1(RENEW);
    private static final String RELEASE_SHA = sha1(RELEASE);
    private static final String RAISE_FENCE_SHA = sha1(RAISE_FENCE);

    /**
     * Connects on {@code client} (a standalone, Sentinel or Cluster client); see {@link RedisLink} for what {@code
     * reconnectDelay} (may be null) and {@code commandTimeout} change; fence counters expire {@code fenceRetention}
     * after their last use.
     */
    RedisLockBackend(
            AbstractRedisClient client,
            LockClock clock,
            @Nullable Duration reconnectDelay,
            Duration commandTimeout,
            Duration fenceRetention) {
        this.link = new RedisLink(client, clock, reconnectDelay, commandTimeout, this::subscribe);
        this.cluster = client instanceof RedisClusterClient each ? each : null;
        this.fenceRetention = millis(fenceRetention);
    }

    /**
     * On a cluster, one key per primary that owns slots, in the client's current slot map (Lettuce refreshes it on
     * topology changes; recomputed at each call, so a promoted replica is probed once the client knows it): {@code
     * base:0}, {@code base:1}, … until every such primary has one. A primary that is down but still owns its slots in
     * the map keeps its key, so the probe fails until a replica has taken them over. Standalone or Sentinel: {@code
     * base}.
     *
     * <p>Each call on a cluster also starts a refresh of the slot map (unless one is under way), so the next probe sees
     * a promotion even when nothing else refreshes it: Lettuce's adaptive refresh is rate-limited (30 s by default), and
     * while locks are on the fallback only the probes reach Redis. Probes run only during an outage and at start-up.
     */
    @Override
    public List<String> probeKeys(String base) {
        if (cluster == null) {
            return List.of(base);
        }
        Partitions partitions = cluster.getPartitions();
        try {
            if (!cluster.isTopologyRefreshInProgress()) {
                var unused = cluster.refreshPartitionsAsync().exceptionally(failed -> null); // seen by the next probe
            }
        } catch (RuntimeException closing) {
            // the client is shutting down: probe with the map it has
        }
        Set<String> primaries = new HashSet<>();
        for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
            RedisClusterNode owner = partitions.getPartitionBySlot(slot);
            if (owner != null) {
                primaries.add(owner.getNodeId());
            }
        }
        Map<String, String> keys = new LinkedHashMap<>();
        for (int i = 0; i < PROBE_KEY_TRIES && keys.size() < primaries.size(); i++) {
            String key = base + ":" + i;
            RedisClusterNode owner = partitions.getPartitionBySlot(SlotHash.getSlot(lockKey(key)));
            if (owner != null) {
                keys.putIfAbsent(owner.getNodeId(), key);
            }
        }
        return keys.isEmpty() ? List.of(base) : List.copyOf(keys.values());
    }

    private void subscribe(StatefulRedisPubSubConnection<String, String> notifications) {
        notifications.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String key) {
                Semaphore queue = waiters.get(key);
                if (queue != null && queue.hasQueuedThreads()) {
                    queue.release();
                }
            }
        });
        notifications.sync().subscribe(CHANNEL);
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public long tryLock(String key, String owner, Duration lease) {
        Long token = eval(
                ACQUIRE_SHA, ACQUIRE, new String[] {lockKey(key), fenceKey(key)}, owner, millis(lease), fenceRetention);
        return token == null ? 0 : token;
    }

    @Override
    public boolean renew(String key, String owner, Duration lease) {
        Long renewed = eval(RENEW_SHA, RENEW, new String[] {lockKey(key)}, owner, millis(lease));
        return renewed != null && renewed == 1;
    }

    @Override
    public void unlock(String key, String owner) {
        eval(RELEASE_SHA, RELEASE, new String[] {lockKey(key)}, owner, CHANNEL, key);
    }

    @Override
    public boolean raiseFence(String key, long floor) {
        eval(RAISE_FENCE_SHA, RAISE_FENCE, new String[] {fenceKey(key)}, Long.toString(floor), fenceRetention);
        return true;
    }

    /**
     * False when the link refused the call before sending it (no open connection) or Redis answered with an error (the
     * script did not run); a timeout or a connection lost with the command in flight may have taken the lock.
     */
    @Override
    public boolean mayHaveApplied(Exception failure) {
        return !(failure instanceof RedisLink.NotConnected || failure instanceof RedisCommandExecutionException);
    }

    @Override
    public boolean notifiesReleases() {
        return true;
    }

    @Override
    public void awaitRelease(String key, Duration maxWait) throws InterruptedException {
        Semaphore queue = waiters.computeIfAbsent(key, k -> new Semaphore(0));
        queue.tryAcquire(maxWait.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        link.close();
    }

    static String lockKey(String key) {
        return "ballast:lock:{" + hashTag(key) + "}";
    }

    static String fenceKey(String key) {
        return "ballast:lock:fence:{" + hashTag(key) + "}";
    }

    /**
     * The key inside braces: Redis hashes what lies between the first '{' and the next '}', which is the same for both
     * names, unless that is empty (a key starting with '}'), when Redis would hash each whole name. Such keys get a
     * control character in front, which no valid key contains, so names stay distinct and both land in one slot.
     */
    private static String hashTag(String key) {
        return key.startsWith("}") ? "\u0001" + key : key;
    }

    private Long eval(String sha, String script, String[] keys, String... args) {
        RedisClusterCommands<String, String> redis = link.commands();
        try {
            return redis.evalsha(sha, ScriptOutputType.INTEGER, keys, args);
        } catch (RedisNoScriptException unknown) {
            // first use on this node, or a restart, a promoted replica, SCRIPT FLUSH: EVAL also caches it there
            return redis.eval(script.getBytes(StandardCharsets.UTF_8), ScriptOutputType.INTEGER, keys, args);
        }
    }

    private static String sha1(String script) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
        }
    }

    private static String millis(Duration duration) {
        return Long.toString(duration.toMillis());
    }
}
