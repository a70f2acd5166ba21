package dev.ballast.lock.snippets;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.redis.RedisLockStrategies;
import io.lettuce.core.RedisClient;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

/**
 * The examples {@code LockStrategy}'s Javadoc shows ({@code {@snippet class=... region=...}}): compiled with the tests
 * and run by {@link LockStrategySnippetsIT} against a real Redis, so a snippet that stops compiling or working fails
 * the build.
 */
final class LockStrategySnippets {

    static LockStrategy create(RedisClient redis) {
        // @start region="create"
        LockStrategy locks = RedisLockStrategies.create(redis, LockListener.none(), AlertSink.logging());
        // @end
        return locks;
    }

    static void deposit(LockStrategy locks, Map<String, BigDecimal> balances, String accountId, BigDecimal amount) {
        // @start region="run"
        locks.runWithLock("account:" + accountId, Duration.ofSeconds(2), Duration.ofSeconds(10), () -> {
            BigDecimal balance = balances.getOrDefault(accountId, BigDecimal.ZERO); // one holder at a time,
            balances.put(accountId, balance.add(amount)); // across instances: no deposit is lost
        });
        // @end
    }

    static long fencedWrite(LockStrategy locks, String accountId) {
        // @start region="handle"
        try (LockHandle lock =
                locks.tryAcquire("account:" + accountId, Duration.ofSeconds(2), Duration.ofSeconds(10))) {
            long token = lock.fencingToken(); // send it with every write; the store refuses a lower one
            return token;
        }
        // @end
    }
}
