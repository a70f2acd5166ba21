package dev.ballast.lock.snippets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lock.LockStrategy;
import io.lettuce.core.RedisClient;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Javadoc examples of {@code LockStrategy} do what their text says, on the local Redis. */
class LockStrategySnippetsIT {

    private final RedisClient redis = RedisClient.create("redis://127.0.0.1:6379");

    @AfterEach
    void closeClient() {
        redis.shutdown();
    }

    @Test
    void depositsUnderTheLockFromTwoStrategiesAddUpExactly() throws Exception {
        Map<String, BigDecimal> balances = new ConcurrentHashMap<>();
        String account = "snippet-" + System.nanoTime();
        try (LockStrategy first = LockStrategySnippets.create(redis);
                LockStrategy second = LockStrategySnippets.create(redis)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> calls = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    LockStrategy locks = i % 2 == 0 ? first : second;
                    calls.add(
                            pool.submit(() -> LockStrategySnippets.deposit(locks, balances, account, BigDecimal.ONE)));
                }
                for (Future<?> call : calls) {
                    call.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(balances.get(account)).isEqualByComparingTo("200");
    }

    @Test
    void eachHolderGetsAHigherFencingToken() {
        String account = "snippet-" + System.nanoTime();
        try (LockStrategy locks = LockStrategySnippets.create(redis)) {
            long first = LockStrategySnippets.fencedWrite(locks, account);
            long second = LockStrategySnippets.fencedWrite(locks, account);
            assertThat(second).isGreaterThan(first);
        }
    }
}
