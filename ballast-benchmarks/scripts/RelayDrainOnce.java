package dev.ballast.bench.outbox;

/**
 * One relay drain in a fresh JVM, for comparing two commits (relay-drain-ab.sh compiles this file against each
 * commit's benchmarks jar): the headline drain's Ballast subject ({@link BallastDrainSubject}: a backlog appended by 8
 * threads over 1,000 aggregates, VACUUM ANALYZE, a started relay with asynchronousCommit(false), 100 aggregates x 50
 * events per claim, 100 ms idle poll, no LISTEN; window from start until the publisher saw the last event) with
 * {@code synchronous_commit} on, after a warm-up drain of 2,000 events in the same JVM. Prints events/s.
 *
 * <p>Run: {@code java -cp benchmarks.jar:<classes> dev.ballast.bench.outbox.RelayDrainOnce <backlog> <threads>}
 */
public final class RelayDrainOnce {

    private RelayDrainOnce() {}

    public static void main(String[] args) throws Exception {
        int backlog = Integer.parseInt(args[0]);
        int threads = Integer.parseInt(args[1]);
        drain(2_000, threads); // warm-up, discarded
        System.out.printf("%.1f%n", backlog / drain(backlog, threads));
    }

    private static double drain(int backlog, int threads) throws Exception {
        try (BallastDrainSubject subject = new BallastDrainSubject(threads)) {
            subject.prepare(backlog, Durability.ON);
            return subject.drain();
        }
    }
}
