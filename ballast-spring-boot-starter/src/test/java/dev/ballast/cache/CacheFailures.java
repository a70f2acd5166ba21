package dev.ballast.cache;

import java.time.Duration;

/** Builds the cache's exceptions for tests of code that maps them. */
public final class CacheFailures {

    private CacheFailures() {}

    /** The exception a caller gets when another caller's load did not finish within the wait. */
    public static CacheLoadTimeoutException loadTimeout(String cache, String key) {
        return new CacheLoadTimeoutException(cache, key, Duration.ofMillis(200));
    }
}
