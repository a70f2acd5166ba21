package dev.ballast.cache;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script, sent by its SHA-1 digest once Redis knows it (the full text only the first time per server). On a
 * Cluster the call goes to the primary of its keys' slot, so each node learns the script on first use there, and again
 * after a failover promoted a replica that never saw it ({@code NOSCRIPT} → {@code EVAL}). Immutable;
 * {@link #eval} may be called from any thread with that thread's connection.
 */
record LuaScript(String text, String sha1) {

    LuaScript(String text) {
        this(text, digest(text));
    }

    @SuppressWarnings("TypeParameterUnusedInFormals") // as Lettuce's evalsha: the ScriptOutputType decides T
    <T> T eval(RedisClusterCommands<String, byte[]> redis, ScriptOutputType type, String[] keys, byte[]... args) {
        try {
            return redis.evalsha(sha1, type, keys, args);
        } catch (RedisNoScriptException e) { // first use on this server, or after a restart or SCRIPT FLUSH
            return redis.eval(text, type, keys, args);
        }
    }

    /**
     * Sends the full text, never the digest: for a command that cannot react to its reply (a clean-up queued behind a
     * command whose reply was lost), which must not depend on the server's script cache (empty after a restart or
     * {@code SCRIPT FLUSH}, so {@code EVALSHA} would be refused with {@code NOSCRIPT} and nothing would run).
     */
    @SuppressWarnings("TypeParameterUnusedInFormals") // as Lettuce's eval: the ScriptOutputType decides T
    <T> T evalText(RedisClusterCommands<String, byte[]> redis, ScriptOutputType type, String[] keys, byte[]... args) {
        return redis.eval(text, type, keys, args);
    }

    private static String digest(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
        }
    }
}
