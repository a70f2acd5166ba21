package dev.ballast.cache;

import static dev.ballast.cache.RedisKeys.bytes;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A key's load lease in Redis ({@code SET NX PX loadLease} under a random token): one round trip that returns the
 * entry or takes the lease, renewal, and the two ways to give it back, each of which publishes "released" on the
 * cache's channel ({@link #fill} with the value attached when it is at most {@value #MAX_DELIVERED_BYTES} bytes). A
 * put, evict or clear deletes the lease ({@link RedisEntries#write}), so a load that raced with it cannot fill L2.
 *
 * <p>Concurrency: called from callers' threads, refresh threads and the scheduler (renewals); stateless.
 */
final class LeaseScripts {

    /** Outcome of asking for a load lease. */
    enum Status {
        ACQUIRED,
        HELD_ELSEWHERE,
        UNAVAILABLE
    }

    record Lease(Status status, @Nullable String token) {}

    /** What {@link #lookup} found: the entry's bytes, or no entry and the outcome of asking for the lease. */
    @SuppressWarnings("ArrayRecordComponent") // internal and never compared: the bytes as Redis returned them
    record Lookup(byte @Nullable [] value, Lease lease) {}

    /** Largest value sent along with the "released" signal, saving every waiting instance a GET. */
    static final int MAX_DELIVERED_BYTES = 64 * 1024;

    private static final Lease UNAVAILABLE = new Lease(Status.UNAVAILABLE, null);
    private static final Lease HELD_ELSEWHERE = new Lease(Status.HELD_ELSEWHERE, null);

    static final LuaScript LOOKUP = new LuaScript("""
            local v = redis.call('GET', KEYS[1])
            if v then return {0, v} end
            if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end
            return {2}""");
    private static final LuaScript RENEW = new LuaScript("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return 0""");
    private static final LuaScript FILL = new LuaScript("""
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
    private static final LuaScript RELEASE = new LuaScript("""
            if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
            redis.call('PUBLISH', ARGV[2], ARGV[3])
            return 0""");

    private final RedisKeys keys;
    private final RedisLink link;
    private final InvalidationChannel channel;
    private final long leaseMs;
    private final byte[] leaseMillis;

    LeaseScripts(CacheSettings settings, RedisKeys keys, RedisLink link, InvalidationChannel channel) {
        this.keys = keys;
        this.link = link;
        this.channel = channel;
        this.leaseMs = settings.loadLease().toMillis();
        this.leaseMillis = bytes(Long.toString(leaseMs));
    }

    /**
     * One round trip for a miss in L1: the entry if there is one, else the key's load lease if nobody holds it. An
     * expired entry is returned too (the caller decides what is fresh); it then asks for the lease with
     * {@link #tryLease}.
     */
    Lookup lookup(String k) {
        String token = UUID.randomUUID().toString();
        List<Object> reply = link.call(
                "LOOKUP",
                redis -> LOOKUP.eval(
                        redis,
                        ScriptOutputType.MULTI,
                        new String[] {keys.data(k), keys.lease(k)},
                        bytes(token),
                        leaseMillis),
                cleanUp(k, token));
        if (reply == null) {
            return new Lookup(null, UNAVAILABLE);
        }
        long status = (Long) reply.getFirst();
        if (status == 0) {
            return new Lookup((byte[]) reply.get(1), HELD_ELSEWHERE);
        }
        return new Lookup(null, status == 1 ? new Lease(Status.ACQUIRED, token) : HELD_ELSEWHERE);
    }

    Lease tryLease(String k) {
        String token = UUID.randomUUID().toString();
        Boolean acquired = link.call(
                "LEASE",
                redis -> redis.set(
                                keys.lease(k),
                                bytes(token),
                                SetArgs.Builder.nx().px(leaseMs))
                        != null,
                cleanUp(k, token));
        if (acquired == null) {
            return UNAVAILABLE;
        }
        return acquired ? new Lease(Status.ACQUIRED, token) : HELD_ELSEWHERE;
    }

    /** Extends a held lease; false if it is no longer ours (or Redis did not answer). */
    boolean renew(String k, String token) {
        Long extended = link.call(
                "RENEW",
                redis -> RENEW.eval(
                        redis, ScriptOutputType.INTEGER, new String[] {keys.lease(k)}, bytes(token), leaseMillis));
        return extended != null && extended == 1;
    }

    /**
     * Writes a loaded value only if the lease is still ours (no put, evict or clear broke it while the load ran), then
     * releases it and signals waiters; true if written. While the breaker is open nothing is written, and the lease is
     * given back when it closes ({@link RedisLink#callOrOwe}).
     */
    boolean fill(String k, String token, byte[] envelope, long ttlMillis) {
        Long written = link.callOrOwe(
                "FILL",
                redis -> FILL.eval(
                        redis,
                        ScriptOutputType.INTEGER,
                        new String[] {keys.data(k), keys.lease(k)},
                        bytes(token),
                        envelope,
                        bytes(Long.toString(Math.max(1, ttlMillis))),
                        bytes(link.channel()),
                        channel.readyMessage(k),
                        bytes(envelope.length <= MAX_DELIVERED_BYTES ? "1" : "0")),
                cleanUp(k, token));
        return written != null && written == 1;
    }

    /**
     * Gives the lease back without a value and signals waiters; while the breaker is open, when it closes
     * ({@link RedisLink#callOrOwe}).
     */
    void release(String k, String token) {
        link.callOrOwe(
                "RELEASE",
                redis -> RELEASE.eval(
                        redis,
                        ScriptOutputType.INTEGER,
                        new String[] {keys.lease(k)},
                        bytes(token),
                        bytes(link.channel()),
                        channel.readyMessage(k)),
                cleanUp(k, token));
    }

    /**
     * The clean-up after a lease-taking or filling command whose reply was lost, queued behind it: gives back the
     * lease this instance may hold without knowing it. Sent as full text, as its reply cannot be acted on.
     */
    private RedisLink.Call<Long> cleanUp(String k, String token) {
        return redis -> RELEASE.evalText(
                redis,
                ScriptOutputType.INTEGER,
                new String[] {keys.lease(k)},
                bytes(token),
                bytes(link.channel()),
                channel.readyMessage(k));
    }
}
