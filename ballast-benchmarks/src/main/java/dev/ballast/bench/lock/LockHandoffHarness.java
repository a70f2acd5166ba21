package dev.ballast.bench.lock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Contended hand-off: 8 threads take turns on one key; the hand-off latency is the time from the moment one holder
 * starts releasing to the moment the next one holds the lock. Ballast and Redisson alternate over several trials on
 * the same Redis; the table shows each trial's p50/p99 and the median over trials.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.lock.LockHandoffHarness [trials]
 * [acquisitionsPerTrial]}.
 */
public final class LockHandoffHarness {

    private static final int WAITERS = 8;

    private LockHandoffHarness() {}

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int acquisitions = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        String redis = "redis://127.0.0.1:6379";
        List<String> subjects = List.of("ballast", "redisson");
        double[][] p50 = new double[subjects.size()][trials];
        double[][] p99 = new double[subjects.size()][trials];
        for (int trial = -1; trial < trials; trial++) { // trial -1 warms both up and is not reported
            for (int s = 0; s < subjects.size(); s++) {
                try (LockSubject locks = LockSubject.create(subjects.get(s), redis)) {
                    long[] handoffs = run(locks, trial < 0 ? acquisitions / 4 : acquisitions);
                    if (trial >= 0) {
                        p50[s][trial] = percentile(handoffs, 0.50) / 1000.0;
                        p99[s][trial] = percentile(handoffs, 0.99) / 1000.0;
                    }
                }
            }
        }
        System.out.printf(
                "%n| subject | hand-off p50 (us), median of %d trials | p99 (us), median | trials p50 | trials p99 |%n",
                trials);
        System.out.println("|---|---|---|---|---|");
        for (int s = 0; s < subjects.size(); s++) {
            System.out.printf(
                    "| %s | %.0f | %.0f | %s | %s |%n",
                    subjects.get(s), median(p50[s]), median(p99[s]), format(p50[s]), format(p99[s]));
        }
        System.out.printf(
                "%nratio ballast/redisson: p50 %.2f, p99 %.2f%n",
                median(p50[0]) / median(p50[1]), median(p99[0]) / median(p99[1]));
    }

    /** Hand-off latencies in nanoseconds, one per acquisition that followed another holder's release. */
    static long[] run(LockSubject locks, int acquisitions) throws Exception {
        String key = "bench:handoff:" + UUID.randomUUID();
        AtomicLong releaseStartedAt = new AtomicLong(0);
        AtomicLong remaining = new AtomicLong(acquisitions);
        List<Long> handoffs = new ArrayList<>(acquisitions);
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(WAITERS)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < WAITERS; w++) {
                workers.add(pool.submit(() -> {
                    start.await();
                    while (remaining.getAndDecrement() > 0) {
                        Runnable release = locks.acquire(key);
                        long acquiredAt = System.nanoTime();
                        long released = releaseStartedAt.get();
                        if (released != 0) {
                            synchronized (handoffs) {
                                handoffs.add(acquiredAt - released);
                            }
                        }
                        releaseStartedAt.set(System.nanoTime());
                        release.run();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(10, TimeUnit.MINUTES);
            }
        }
        return handoffs.stream().mapToLong(Long::longValue).toArray();
    }

    private static double percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String format(double[] values) {
        StringBuilder text = new StringBuilder();
        for (double v : values) {
            text.append(text.isEmpty() ? "" : " ").append(String.format("%.0f", v));
        }
        return text.toString();
    }
}
