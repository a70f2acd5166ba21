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

    /** Work for event numbers {@code first..last} (1-based, inclusive), typically one transaction that writes them. */
    @FunctionalInterface
    interface Batch {
        void append(long first, long last) throws Exception;
    }

    /**
     * Calls {@code work} for 1..{@code events} in ranges of {@code perTransaction} from 8 threads: a large backlog built
     * in fewer transactions (same for every subject), so that building it takes seconds rather than minutes.
     */
    static void fill(int events, int perTransaction, Batch work) throws Exception {
        int ranges = (events + perTransaction - 1) / perTransaction;
        fill(ranges, r -> work.append((r - 1) * perTransaction + 1, Math.min(events, r * perTransaction)));
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
