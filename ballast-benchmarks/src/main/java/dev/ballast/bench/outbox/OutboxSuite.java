package dev.ballast.bench.outbox;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.bench.fair.Machine;
import dev.ballast.bench.fair.PairedTrials;
import dev.ballast.bench.fair.Report;
import dev.ballast.bench.fair.Results;
import dev.ballast.outbox.Outbox;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The fair outbox suite (issue 18), run by {@code scripts/bench outbox}:
 *
 * <ol>
 *   <li>append: 8 threads, one event per transaction, Ballast {@code append} against a raw JDBC insert of the same row
 *       into a table of the same shape, {@code appendSeconds} each, order alternating, fresh tables every trial;
 *   <li>drain, once per durability: a backlog built through each subject's own append path, {@code VACUUM ANALYZE}
 *       for all, then drained on the subject's production path; window from the start of the drain until the
 *       consumer saw the last event; subjects in alternating order, every subject's backlog and tables fresh per
 *       trial.
 * </ol>
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.outbox.OutboxSuite <chartDir>
 * <chartPrefix> [trials=5] [appendSeconds=4] [backlog=20000] [durabilities=on,off] [parts=append,drain]}.
 */
public final class OutboxSuite {

    private OutboxSuite() {}

    static final Map<String, Supplier<DrainSubject>> SUBJECTS = Map.of(
            "ballast-1-thread", () -> new BallastDrainSubject(1),
            "ballast-4-threads", () -> new BallastDrainSubject(4),
            "gruelbox-4-workers", () -> new GruelboxDrainSubject(4),
            "namastack", NamastackDrainSubject::new,
            "modulith", ModulithDrainSubject::new);

    static final List<String> PEERS = List.of("gruelbox-4-workers", "namastack", "modulith");

    public static void main(String[] args) throws Exception {
        Path charts = Path.of(args[0]);
        String prefix = args[1];
        int trials = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int appendSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        int backlog = args.length > 4 ? Integer.parseInt(args[4]) : 20_000;
        List<String> durabilities = Arrays.asList((args.length > 5 ? args[5] : "on,off").split(","));
        String parts = args.length > 6 ? args[6] : "append,drain";
        Machine.describe(true, false);
        Report report = new Report(charts, prefix);
        if (parts.contains("append")) {
            append(report, trials, appendSeconds);
        }
        if (parts.contains("drain")) {
            for (String durability : durabilities) {
                drain(report, trials, backlog, Durability.valueOf(durability.toUpperCase(Locale.ROOT)));
            }
        }
        report.summary();
    }

    private static void append(Report report, int trials, int seconds) throws Exception {
        System.out.println("## append: 8 threads, one event per transaction, " + seconds + " s per subject per trial");
        try (HikariDataSource pool = OutboxHarness.pool()) {
            String[] prefix = new String[1];
            Outbox[] outbox = new Outbox[1];
            Results results = PairedTrials.run(
                    "outbox append",
                    List.of("raw-insert", "ballast-append"),
                    trials,
                    1,
                    PairedTrials.single("events/s", (subject, trial) -> {
                        if (subject.equals(PairedTrials.order(List.of("raw-insert", "ballast-append"), trial)
                                .getFirst())) { // fresh tables at the start of every trial
                            if (prefix[0] != null) {
                                OutboxHarness.dropAll(pool, prefix[0]);
                            }
                            prefix[0] = "bench" + UUID.randomUUID().toString().substring(0, 6) + "_";
                            outbox[0] = Outbox.builder(pool)
                                    .tablePrefix(prefix[0])
                                    .createSchema(true)
                                    .build();
                            OutboxHarness.execute(
                                    pool,
                                    "CREATE TABLE " + prefix[0] + "raw (LIKE " + prefix[0] + "outbox INCLUDING ALL)");
                        }
                        String p = prefix[0];
                        Outbox o = outbox[0];
                        return subject.equals("raw-insert")
                                ? OutboxHarness.throughput(
                                        pool, seconds, (connection, n) -> OutboxHarness.rawInsert(connection, p, n))
                                : OutboxHarness.throughput(
                                        pool, seconds, (connection, n) -> o.append(connection, OutboxHarness.event(n)));
                    }));
            OutboxHarness.dropAll(pool, prefix[0]);
            report.table(results, "events/s", "events per second", "raw-insert");
            report.chart("append", "Outbox append vs raw insert (8 threads)", "events/s", results, List.of("events/s"));
            report.claim(results.claim(
                    "goal 4: Ballast append >= 0.9x raw insert",
                    "ballast-append",
                    "raw-insert",
                    "events/s",
                    r -> r >= 0.9));
            report.claim(results.claim(
                    "issue 5 goal: Ballast append >= 0.8x raw insert",
                    "ballast-append",
                    "raw-insert",
                    "events/s",
                    r -> r >= 0.8));
        }
    }

    @SuppressWarnings("try") // a subject's close() waits for its workers; an interrupt there ends the run
    private static void drain(Report report, int trials, int backlog, Durability durability) throws Exception {
        System.out.println();
        System.out.println(
                "## drain of a " + backlog + "-event backlog, synchronous_commit " + durability + " for every subject");
        // -Doutbox.drainSubjects=a,b,...: a subset (the 200,000-event drain runs Ballast against the best peer only,
        // the two slowest peers would take over 3 minutes each per trial)
        List<String> subjects = Arrays.asList(System.getProperty(
                        "outbox.drainSubjects",
                        "ballast-1-thread,ballast-4-threads,gruelbox-4-workers,namastack,modulith")
                .split(","));
        Results results = PairedTrials.run(
                "outbox drain, synchronous_commit " + durability.name().toLowerCase(Locale.ROOT),
                subjects,
                trials,
                1,
                PairedTrials.single("events/s", (subject, trial) -> {
                    int events = trial < 0 ? Math.max(1000, backlog / 10) : backlog;
                    try (DrainSubject drain = SUBJECTS.get(subject).get()) {
                        drain.prepare(events, durability);
                        return events / drain.drain();
                    }
                }));
        report.table(results, "events/s", "events per second", "gruelbox-4-workers"); // the best peer
        String tag = durability.name().toLowerCase(Locale.ROOT);
        report.chart(
                "drain-" + tag + (backlog == 20_000 ? "" : "-" + backlog),
                "Outbox drain of " + backlog + " events, synchronous_commit " + tag + " for all",
                "events/s",
                results,
                List.of("events/s"));
        List<String> peers = PEERS.stream().filter(subjects::contains).toList();
        for (String peer : peers) {
            report.claim(results.claim(
                    "drain (" + tag + "): ballast-1-thread >= 2x " + peer,
                    "ballast-1-thread",
                    peer,
                    "events/s",
                    r -> r >= 2));
        }
        for (String peer : peers) {
            report.claim(results.claim(
                    "drain (" + tag + "): ballast-4-threads >= 2x " + peer,
                    "ballast-4-threads",
                    peer,
                    "events/s",
                    r -> r >= 2));
        }
    }
}
