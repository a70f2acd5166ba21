package dev.ballast.chaos.scenario;

import dev.ballast.chaos.AllowedStatuses;
import dev.ballast.chaos.BalancesMatchDeposits;
import dev.ballast.chaos.BoundedRecovery;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.DepositHolds;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.NoAcknowledgedWriteLost;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.SingleHolder;
import dev.ballast.test.ChildService;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One instance's wall clock 5 s ahead, at run time, with libfaketime (Debian package {@code faketime}) preloaded into
 * its JVM: {@code FAKETIME_TIMESTAMP_FILE} names a file the test rewrites ({@code +0}, then {@code +5s}, then {@code
 * +0}), re-read every second; {@code FAKETIME_DONT_FAKE_MONOTONIC=1} leaves {@code System.nanoTime()} alone (leases and
 * waits run on it), so only the wall clock jumps, forward and then back; {@code FAKETIME_FORCE_MONOTONIC_FIX=0} keeps
 * the JVM's timed waits waiting (with it on, the instance spun on both cores and starved the other one). Locks on the
 * resilient chain (Redis + the database), deposits contending for 3 accounts and orders on both instances. Hypothesis: leases and fencing tokens come
 * from monotonic time and the servers' clocks, so a skewed instance never holds a lock at the same time as another, and
 * the outbox still delivers every order once, in order per aggregate.
 */
@ExtendWith(ChaosReport.class)
class ClockSkewScenario {

    private static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SKEW = Duration.ofSeconds(5);

    @Test
    @DisplayName("(7) one instance's clock +5 s (faketime)")
    void aSkewedInstanceNeverSharesALockAndTheOutboxKeepsItsOrder(Scenario scenario) throws Exception {
        if (!Files.isRegularFile(LIBFAKETIME)) {
            throw new AssertionError(LIBFAKETIME + " is missing: install the Debian package 'faketime' (apt-get install"
                    + " faketime; .ci/run does this when it is missing)");
        }
        scenario.fault("wall clock of one of two instances +5 s for 15 s (libfaketime, monotonic clock untouched), then"
                + " back, under deposit contention (8 clients, 3 accounts) and orders");
        try (BrokerageCluster cluster =
                BrokerageCluster.builder("clock-skew").instances(1).redis().start()) {
            Path offset =
                    Path.of("target", "chaos", "clock-skew", "faketime.rc").toAbsolutePath();
            Files.createDirectories(offset.getParent());
            Files.writeString(offset, "+0\n");
            ChildService skewed = cluster.startInstance(Map.of(
                    "LD_PRELOAD",
                    LIBFAKETIME.toString(),
                    "FAKETIME_TIMESTAMP_FILE",
                    offset.toString(),
                    "FAKETIME_CACHE_DURATION",
                    "1",
                    "FAKETIME_DONT_FAKE_MONOTONIC",
                    "1",
                    // libfaketime 0.9.10 turns its "monotonic fix" on by itself on this glibc: timed waits on the JVM's
                    // monotonic condition variables then return at once, and the idle JVM spins on both cores (found
                    // when CI's deposits waited past their 5 s lock wait); the monotonic clock is not faked here, so
                    // the fix has nothing to fix
                    "FAKETIME_FORCE_MONOTONIC_FIX",
                    "0"));
            skewed.awaitHealthy();
            History history = new History();
            ContendedDeposits deposits = new ContendedDeposits(cluster, REQUEST_TIMEOUT);
            BrokerageWorkload orders = new BrokerageWorkload(cluster::instances, REQUEST_TIMEOUT);
            Duration[] measuredSkew = {Duration.ZERO};
            Load.Workload workload = (client, n) -> client < 8 ? deposits.deposit(client, n) : orders.order(client, n);
            ChildService other = cluster.instances().get(0);
            Duration skewedCpuBefore = cpuOf(skewed);
            Duration otherCpuBefore = cpuOf(other);
            try (Load load = Load.start(history, 10, workload)) {
                new FaultWindow(200, Duration.ofSeconds(15), 200)
                        .run(
                                history,
                                load,
                                () -> {
                                    Files.writeString(offset, "+" + SKEW.toSeconds() + "s\n");
                                    Waits.until(
                                            "the skewed instance's clock ahead",
                                            Duration.ofSeconds(10),
                                            () -> (measuredSkew[0] = skewOf(skewed)).compareTo(SKEW.minusSeconds(1))
                                                    >= 0);
                                },
                                () -> Files.writeString(offset, "+0\n"));
            }
            Duration skewedCpu = cpuOf(skewed).minus(skewedCpuBefore);
            Duration otherCpu = cpuOf(other).minus(otherCpuBefore);
            double cpuRatio = (double) skewedCpu.toMillis() / Math.max(1, otherCpu.toMillis());
            Waits.until(
                    "every OrderPlaced event published",
                    Duration.ofSeconds(60),
                    () -> cluster.count("SELECT COUNT(*) FROM ballast_outbox WHERE status = 'PENDING'") == 0);
            History holds = deposits.holds();
            List<String> outOfOrder = outOfOrderDeliveries(cluster);
            long orderCount = cluster.count("SELECT COUNT(*) FROM orders");
            long settled = cluster.count("SELECT COUNT(*) FROM settlement");
            scenario.recoveryOf(history)
                    .verify(
                            history,
                            ignored -> Check.of(
                                    "the instance's wall clock was ahead",
                                    measuredSkew[0].compareTo(SKEW.minusSeconds(1)) >= 0,
                                    "HTTP Date " + measuredSkew[0].toSeconds() + " s ahead"),
                            // the same load on both: far more CPU on the skewed one would make this a CPU starvation
                            // scenario, not a clock one (libfaketime's monotonic fix did that)
                            ignored -> Check.of(
                                    "the skewed instance used at most twice the other's CPU",
                                    cpuRatio <= 2.0,
                                    String.format(
                                            "%.1f s vs %.1f s (%.2f×)",
                                            skewedCpu.toMillis() / 1000.0, otherCpu.toMillis() / 1000.0, cpuRatio)),
                            ignored -> new SingleHolder(DepositHolds.HOLD).check(holds),
                            new BalancesMatchDeposits(cluster.balances()),
                            new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                            new AllowedStatuses(Set.of(200, 201, 409)),
                            new BoundedRecovery(FaultWindow.END, Duration.ofSeconds(10)),
                            ignored -> Check.of(
                                    "every order settled once, in order per aggregate at the consumer",
                                    orderCount == settled && outOfOrder.isEmpty(),
                                    orderCount + " orders, " + settled + " settlements, " + outOfOrder.size()
                                            + " out of order"
                                            + (outOfOrder.isEmpty() ? "" : ": " + outOfOrder.get(0))));
        }
    }

    /** The CPU time the instance's process has used so far. */
    private static Duration cpuOf(ChildService instance) {
        return ProcessHandle.of(instance.pid())
                .flatMap(process -> process.info().totalCpuDuration())
                .orElseThrow(() -> new IllegalStateException("no CPU time for " + instance.name()));
    }

    /** How far ahead the instance's wall clock is, by the Date header of its answer (whole seconds). */
    private static Duration skewOf(ChildService instance) throws Exception {
        HttpResponse<String> response = instance.get("/actuator/health");
        String date = response.headers().firstValue("Date").orElseThrow();
        Instant theirs =
                ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return Duration.between(Instant.now(), theirs).plusMillis(999);
    }

    /**
     * Events the consumer's inbox recorded out of their aggregate's order: per aggregate, by the order PostgreSQL
     * assigned the recording transactions their ids ({@code xmin}), which no instance's clock influences.
     */
    private static List<String> outOfOrderDeliveries(BrokerageCluster cluster) throws Exception {
        List<String> violations = new ArrayList<>();
        Map<String, Long> last = new HashMap<>();
        try (Connection connection = cluster.connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT aggregate_type || ':' || aggregate_id, aggregate_seq"
                        + " FROM ballast_inbox ORDER BY 1, xmin::text::bigint, aggregate_seq")) {
            while (rows.next()) {
                String aggregate = rows.getString(1);
                long seq = rows.getLong(2);
                Long previous = last.put(aggregate, seq);
                if (previous != null && seq <= previous) {
                    violations.add(aggregate + " seq " + seq + " after " + previous);
                }
            }
        }
        return violations;
    }
}
