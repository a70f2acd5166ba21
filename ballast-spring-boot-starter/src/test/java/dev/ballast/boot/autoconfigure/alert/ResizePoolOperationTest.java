package dev.ballast.boot.autoconfigure.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/** The "Raise the pool" button's operation, {@code executor.resize}. */
class ResizePoolOperationTest {

    @Test
    void aFixedSizeBulkheadWithAQueueRunsItsQueuedTasksOnceRaised() throws Exception {
        ThreadPoolExecutor bulkhead = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(8));
        CountDownLatch release = new CountDownLatch(1);
        try {
            for (int i = 0; i < 4; i++) {
                bulkhead.execute(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            ResizePoolOperation resize = new ResizePoolOperation(beans("bulkhead", bulkhead), 256);

            assertThat(resize.describe(Map.of("pool", "bulkhead")))
                    .isEqualTo("Raise the pool size (core and maximum) of executor 'bulkhead' from 2 to 4 (at most"
                            + " 256).");
            String done = resize.perform(Map.of("pool", "bulkhead"), "alice");

            // a raised maximum alone would leave the two queued tasks waiting until the queue (8) is full
            assertThat(bulkhead.getMaximumPoolSize()).isEqualTo(4);
            assertThat(bulkhead.getCorePoolSize()).isEqualTo(4);
            Eventually.within(
                    Duration.ofSeconds(5),
                    "the queued tasks running",
                    () -> bulkhead.getActiveCount() == 4 && bulkhead.getQueue().isEmpty());
            assertThat(done).isEqualTo("Executor 'bulkhead' pool size (core and maximum) 2 \u2192 4");
        } finally {
            release.countDown();
            bulkhead.shutdownNow();
        }
    }

    @Test
    void aPoolThatGrowsBeyondItsCoreGetsOnlyItsMaximumRaised() {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(2);
        executor.setMaxPoolSize(8);
        executor.setQueueCapacity(10);
        executor.initialize();
        try {
            ResizePoolOperation resize = new ResizePoolOperation(beans("taskExecutor", executor), 256);

            assertThat(resize.perform(Map.of("pool", "taskExecutor", "max", "12"), "alice"))
                    .isEqualTo("Executor 'taskExecutor' maximum pool size 8 \u2192 12");
            assertThat(executor.getMaxPoolSize()).isEqualTo(12);
            assertThat(executor.getCorePoolSize()).isEqualTo(2);
        } finally {
            executor.shutdown();
        }
    }

    @Test
    void aLinkThatLowersTheMaximumSaysLowerNotRaise() {
        // found by a black-box check: max=16 on a pool whose maximum was Integer.MAX_VALUE read "Raise ... to 16"
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setCorePoolSize(2);
        executor.setMaxPoolSize(64);
        executor.initialize();
        try {
            ResizePoolOperation resize = new ResizePoolOperation(beans("taskExecutor", executor), 256);

            assertThat(resize.describe(Map.of("pool", "taskExecutor", "max", "16")))
                    .isEqualTo("Lower the maximum pool size of executor 'taskExecutor' from 64 to 16 (at most 256).");
            assertThat(resize.describe(Map.of("pool", "taskExecutor", "max", "64")))
                    .isEqualTo("Keep the maximum pool size of executor 'taskExecutor' at 64 (at most 256).");
        } finally {
            executor.shutdown();
        }
    }

    private static DefaultListableBeanFactory beans(String name, Object bean) {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton(name, bean);
        return beans;
    }
}
