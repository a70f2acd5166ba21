package dev.ballast.cache;

import java.time.Duration;

/** Another caller's load of the same key did not finish within the wait, and the policy is to fail. */
public final class CacheLoadTimeoutException extends CacheException {

    private static final long serialVersionUID = 1L;

    CacheLoadTimeoutException(String cache, String key, Duration wait) {
        super("Cache '" + cache + "': load of key '" + key + "' by another caller did not finish within "
                + wait.toMillis() + " ms");
    }
}
