package dev.ballast.bench.outbox;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/** Builds a peer's backlog the same way for every peer: 8 threads, one event per call of {@code work}. */
final class Backlog {

    private Backlog() {}

    /** Work for event number {@code n} (1-based), typically one transaction that writes one event. */
    @FunctionalInterface
    interface Work {
        void append(long n) throws Exception;
    }

    /** Calls {@code work} for 1..{@code events} from 8 threads and returns when all are done. */
    static void fill(int events, Work work) throws Exception {
        AtomicLong issued = new AtomicLong();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(threads.submit(() -> {
                    long n;
                    while ((n = issued.incrementAndGet()) <= events) {
                        work.append(n);
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            threads.shutdown();
        }
    }
}
