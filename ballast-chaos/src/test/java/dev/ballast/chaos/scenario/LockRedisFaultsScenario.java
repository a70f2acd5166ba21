package dev.ballast.chaos.scenario;

import dev.ballast.chaos.AllowedStatuses;
import dev.ballast.chaos.BalancesMatchDeposits;
import dev.ballast.chaos.BoundedLatency;
import dev.ballast.chaos.BoundedRecovery;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.Checker;
import dev.ballast.chaos.DepositHolds;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.Operation;
import dev.ballast.chaos.Outcome;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.SingleHolder;
import dev.ballast.test.ChildService;
import dev.ballast.test.RedisSentinel;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Locks on the resilient chain (Redis first, the database when Redis is down; {@code ballast.lock.backend=RESILIENT})
 * under deposit contention (8 clients, 3 accounts, 2 instances) while Redis dies for everyone, or for one instance
 * only. Hypothesis: the mode switch in the database keeps one holder per account at every moment (checked on the
 * balances each committed deposit wrote, {@link DepositHolds}), deposits go on through the database while Redis is
 * gone, locks return to Redis once it is back, and an instance cut off from Redis alone serves its quotes from its
 * local cache without errors.
 */
@ExtendWith(ChaosReport.class)
class LockRedisFaultsScenario {

    private static final int DEPOSIT_CLIENTS = 8;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /**
     * A switch pauses grants for maxLease + 3 refreshes (3.5 s with the defaults), the return needs two probes a second
     * apart and a reconnect (at most 1 s), and a deposit waits 5 s for its lock: recovered within 20 s.
     */
    private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(20);
    /**
     * A deposit waits at most 5 s for its lock and each Redis lock command at most 1 s
     * ({@code ballast.lock.redis.command-timeout}); one sent just before the fault must not wait for Redis to return
     * (10 s down in (6), 10 s cut off in (8)), as it did before the lock had its own command timeout.
     */
    private static final Duration DEPOSIT_LIMIT = Duration.ofSeconds(9);

    private static final List<String> SYMBOLS = List.of("005930", "000660", "035420", "AAPL", "MSFT");

    @Test
    @DisplayName("(6) Redis SIGKILL under lock contention, resilient chain")
    void redisDeathMovesLocksToTheDatabaseAndBackWithNeverTwoHolders(Scenario scenario) throws Exception {
        scenario.fault("redis-server SIGKILL under deposit contention (" + DEPOSIT_CLIENTS + " clients, "
                + ContendedDeposits.ACCOUNTS + " accounts, 2 instances, ballast.lock.backend=RESILIENT); down 10 s;"
                + " restarted empty");
        try (BrokerageCluster cluster = BrokerageCluster.builder("lock-redis-kill")
                .instances(2)
                .redis()
                .env("BALLAST_LOCK_BACKEND", "RESILIENT")
                .start()) {
            History history = new History();
            ContendedDeposits deposits = new ContendedDeposits(cluster, REQUEST_TIMEOUT);
            String[] modeAtLift = {""};
            Duration[] backToRedis = {Duration.ZERO};
            try (Load load = Load.start(history, DEPOSIT_CLIENTS, deposits::deposit)) {
                new FaultWindow(200, Duration.ofSeconds(10), 200)
                        .run(
                                history,
                                load,
                                () -> cluster.redis().kill(),
                                () -> {
                                    modeAtLift[0] = lockMode(cluster);
                                    cluster.redis().restart();
                                },
                                () -> backToRedis[0] = awaitLocksOnRedis(cluster));
            }
            long acknowledgedDuringFault = acknowledgedBetween(history, FaultWindow.START, FaultWindow.END);
            long redisKeys = cluster.redis().keyCount();
            History holds = deposits.holds();
            scenario.recoveryOf(history)
                    .verify(
                            history,
                            lockInvariants(
                                    holds,
                                    cluster,
                                    ignored -> Check.of(
                                            "deposits went on through the database while Redis was down",
                                            "FALLBACK".equals(modeAtLift[0]) && acknowledgedDuringFault > 0,
                                            "lock mode " + modeAtLift[0] + " when Redis came back, "
                                                    + acknowledgedDuringFault
                                                    + " deposits acknowledged during the fault"),
                                    ignored -> Check.of(
                                            "locks back on Redis after its restart",
                                            redisKeys > 0,
                                            "mode PRIMARY " + backToRedis[0].toMillis() + " ms after the restart, "
                                                    + redisKeys + " keys in the restarted Redis")));
        }
    }

    @Test
    @DisplayName("(8) one instance partitioned from Redis only")
    void anInstanceCutOffFromRedisAloneSharesNoLockAndServesItsQuotes(Scenario scenario) throws Exception {
        scenario.fault(
                "blackhole for 10 s between one of two instances and redis-server (fault proxy; the other reaches"
                        + " Redis directly), under deposit contention (" + DEPOSIT_CLIENTS + " clients, "
                        + ContendedDeposits.ACCOUNTS + " accounts, both instances) and quotes on the cut-off instance");
        try (BrokerageCluster cluster = BrokerageCluster.builder("lock-redis-partition")
                .instances(1)
                .redisThroughProxy()
                .env("BALLAST_LOCK_BACKEND", "RESILIENT")
                .start()) {
            ChildService cutOff = cluster.instances().getFirst();
            cluster.startInstance(Map.of(
                            "SPRING_DATA_REDIS_PORT",
                            Integer.toString(cluster.redis().port())))
                    .awaitHealthy();
            History history = new History();
            ContendedDeposits deposits = new ContendedDeposits(cluster, REQUEST_TIMEOUT);
            Load.Workload workload =
                    (client, n) -> client < DEPOSIT_CLIENTS ? deposits.deposit(client, n) : quote(cutOff, n);
            try (Load load = Load.start(history, DEPOSIT_CLIENTS + 2, workload)) {
                new FaultWindow(200, Duration.ofSeconds(10), 200)
                        .run(history, load, () -> cluster.redisProxy().blackhole(), () -> cluster.redisProxy()
                                .heal());
            }
            History holds = deposits.holds();
            scenario.recoveryOf(history)
                    .verify(
                            history,
                            lockInvariants(
                                    holds,
                                    cluster,
                                    noQuoteFailed("the cut-off instance answers every quote"),
                                    new BoundedLatency("quote", Duration.ofSeconds(2))));
        }
    }

    @Test
    @DisplayName("(30) Redis Sentinel: primary SIGKILLed, replica promoted")
    void aSentinelFailoverKeepsOneHolderPerAccountAndTheQuotesAndEndsWithLocksOnThePromotedReplica(Scenario scenario)
            throws Exception {
        scenario.fault("SIGKILL of the Redis primary behind 3 Sentinels (1 primary, 1 replica, down-after "
                + RedisSentinel.DOWN_AFTER_MILLIS + " ms) under deposit contention (" + DEPOSIT_CLIENTS
                + " clients, " + ContendedDeposits.ACCOUNTS + " accounts, 2 instances, ballast.lock.backend=RESILIENT)"
                + " and quotes on both instances; held 5 s after the promotion; the old primary stays dead");
        try (BrokerageCluster cluster = BrokerageCluster.builder("lock-redis-sentinel")
                .instances(2)
                .redisSentinel()
                .env("BALLAST_LOCK_BACKEND", "RESILIENT")
                .start()) {
            History history = new History();
            ContendedDeposits deposits = new ContendedDeposits(cluster, REQUEST_TIMEOUT);
            Load.Workload workload = (client, n) -> {
                if (client < DEPOSIT_CLIENTS) {
                    return deposits.deposit(client, n);
                }
                List<ChildService> live = cluster.instances();
                return quote(live.get((int) ((client + n) % live.size())), n);
            };
            Duration[] promotion = {Duration.ZERO};
            Duration[] backToRedis = {Duration.ZERO};
            try (Load load = Load.start(history, DEPOSIT_CLIENTS + 2, workload)) {
                new FaultWindow(200, Duration.ofSeconds(5), 200)
                        .run(
                                history,
                                load,
                                () -> {
                                    long killed = System.nanoTime();
                                    cluster.redisSentinel().killPrimaryAndAwaitPromotion();
                                    promotion[0] = Duration.ofNanos(System.nanoTime() - killed);
                                },
                                () -> {},
                                () -> backToRedis[0] = awaitLocksOnRedis(cluster));
            }
            String modeAtEnd = lockMode(cluster);
            History holds = deposits.holds();
            scenario.recoveryOf(history)
                    .verify(
                            history,
                            lockInvariants(
                                    holds,
                                    cluster,
                                    noQuoteFailed("every quote answered through the failover"),
                                    new BoundedLatency("quote", Duration.ofSeconds(2)),
                                    ignored -> Check.of(
                                            "locks back on Redis, now the promoted replica, and still there at the end",
                                            "PRIMARY".equals(modeAtEnd),
                                            "replica promoted " + promotion[0].toMillis()
                                                    + " ms after the kill; mode PRIMARY "
                                                    + backToRedis[0].toMillis() + " ms after the fault's end; "
                                                    + modeAtEnd
                                                    + " when the load stopped")));
        }
    }

    /**
     * What every scenario here checks, then {@code more}: one holder per lock at every moment, balances equal to the
     * acknowledged deposits, only 200/409/503, recovery within {@link #RECOVERY_LIMIT}, deposits within {@link
     * #DEPOSIT_LIMIT}.
     */
    private static List<Checker> lockInvariants(History holds, BrokerageCluster cluster, Checker... more)
            throws SQLException {
        List<Checker> all = new ArrayList<>(List.<Checker>of(
                ignored -> new SingleHolder(DepositHolds.HOLD).check(holds),
                new BalancesMatchDeposits(cluster.balances()),
                new AllowedStatuses(Set.of(200, 409, 503)),
                new BoundedRecovery(FaultWindow.END, RECOVERY_LIMIT),
                new BoundedLatency(BalancesMatchDeposits.DEPOSIT, DEPOSIT_LIMIT)));
        all.addAll(List.of(more));
        return all;
    }

    /** Waits (at most 60 s) until the shared lock mode is back on Redis; returns how long it took. */
    private static Duration awaitLocksOnRedis(BrokerageCluster cluster) {
        return Waits.until("locks back on Redis (mode PRIMARY)", Duration.ofSeconds(60), () -> "PRIMARY"
                .equals(lockMode(cluster)));
    }

    /** A quote from {@code instance} of one of five symbols, in turn by {@code n}. */
    private static Load.Request quote(ChildService instance, long n) {
        String symbol = SYMBOLS.get((int) (n % SYMBOLS.size()));
        return new Load.Request("quote", symbol, "", Load.get(instance.uri("/api/quotes/" + symbol), REQUEST_TIMEOUT));
    }

    /** Some quotes were sent and none failed. */
    private static Checker noQuoteFailed(String invariant) {
        return history -> {
            List<Operation> quotes = history.operations("quote");
            long failed =
                    quotes.stream().filter(op -> op.outcome() != Outcome.OK).count();
            return Check.of(
                    invariant, !quotes.isEmpty() && failed == 0, failed + " of " + quotes.size() + " quotes failed");
        };
    }

    /** The resilient chain's shared mode (PRIMARY or FALLBACK), or {@code none} before the first switch. */
    static String lockMode(BrokerageCluster cluster) throws Exception {
        try (Connection connection = cluster.connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT mode FROM ballast_lock_mode")) {
            return rows.next() ? rows.getString(1) : "none";
        }
    }

    private static long acknowledgedBetween(History history, String from, String to) {
        long start = history.markOf(from).orElseThrow();
        long end = history.markOf(to).orElseThrow();
        return history.operations(BalancesMatchDeposits.DEPOSIT).stream()
                .filter(op -> op.outcome() == Outcome.OK && op.invokedNanos() > start && op.completedNanos() < end)
                .count();
    }
}
