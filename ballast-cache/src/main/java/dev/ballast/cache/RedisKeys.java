package dev.ballast.cache;

import java.nio.charset.StandardCharsets;

/**
 * The Redis names of one cache version: entries {@code ballast:cache:<name>:v<version>:<key>}, load leases
 * {@code …:v<version>#lease:<key>}, the invalidation counter {@code ballast:cache:<name>#seq} and the channel
 * {@code ballast:cache:<name>#events}. Immutable.
 */
record RedisKeys(String dataPrefix, String leasePrefix, String seq, String channel, String readyPrefix) {

    static RedisKeys of(CacheSettings settings) {
        String base = "ballast:cache:" + settings.name();
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
