package dev.ballast.cache;

import java.nio.charset.StandardCharsets;

/**
 * The Redis names of one cache version: entries {@code ballast:cache:<name>:v<version>:<key>}, load leases
 * {@code …:v<version>#lease:<key>}, the invalidation counter {@code ballast:cache:<name>#seq} and the channel
 * {@code ballast:cache:<name>#events} (with {@code @<database>} on a database other than 0: {@link
 * RedisConnections#channel()}). On a Redis Cluster the name is a hash tag ({@code ballast:cache:{<name>}…}), so
 * that every key of the cache is in one slot and each script (entry, lease, counter, signal) runs on one node; a
 * standalone or Sentinel Redis keeps the untagged names. Immutable.
 */
record RedisKeys(String dataPrefix, String leasePrefix, String seq, String channel, String readyPrefix) {

    static RedisKeys of(CacheSettings settings, boolean cluster) {
        String base = "ballast:cache:" + (cluster ? "{" + settings.name() + "}" : settings.name());
        String versioned = base + ":v" + settings.version();
        return new RedisKeys(
                versioned + ":",
                versioned + "#lease:",
                base + "#seq",
                base + "#events",
                "R|" + settings.version() + "|");
    }

    String data(String keyText) {
        return dataPrefix + keyText;
    }

    String lease(String keyText) {
        return leasePrefix + keyText;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
