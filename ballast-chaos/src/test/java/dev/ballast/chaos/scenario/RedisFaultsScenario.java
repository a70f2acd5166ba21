package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BoundedLatency;
import dev.ballast.chaos.BoundedRecovery;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.ServerErrorBudget;
import dev.ballast.test.FaultProxy;
import dev.ballast.test.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The quotes cache (L1 Caffeine, L2 on an own redis-server, loader = the simulated market-data feed) under quote load
 * on two instances while Redis crashes, freezes or slows down. Hypothesis: Redis is an optimisation, so clients never
 * see an error or a long wait because of it, and the L2 holds quotes again once Redis is back.
 */
@ExtendWith(ChaosReport.class)
class RedisFaultsScenario {

    private static final int CLIENTS = 6;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration QUOTE_LATENCY_LIMIT = Duration.ofSeconds(2);
    private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(10);

    @Test
    @DisplayName("(1) Redis SIGKILL under quote load, restarted empty")
    void quotesFlowWhileRedisIsDeadAndItsCacheRefillsAfterARestart(Scenario scenario) throws Exception {
        scenario.fault("redis-server SIGKILL under quote load; down 5 s; restarted empty");
        onOwnRedis(scenario, "redis-kill", Duration.ofSeconds(5), RedisServer::kill, RedisServer::restart);
    }

    @Test
    @DisplayName("(2) Redis SIGSTOP for 10 s under quote load")
    void quotesFlowWhileRedisIsFrozen(Scenario scenario) throws Exception {
        scenario.fault("redis-server SIGSTOP for 10 s under quote load, then SIGCONT");
        onOwnRedis(scenario, "redis-stop", Duration.ofSeconds(10), RedisServer::pause, RedisServer::resume);
    }

    @Test
    @DisplayName("(3) Redis 300 ms latency under quote load")
    void quotesStayQuickWhileRedisIsSlow(Scenario scenario) throws Exception {
        scenario.fault(
                "300 ms (+0-50 ms jitter) each way between the instances and redis-server for 8 s (fault proxy)");
        try (BrokerageCluster cluster = BrokerageCluster.builder("redis-latency")
                .instances(2)
                .redisThroughProxy()
                .start()) {
            FaultProxy proxy = cluster.redisProxy();
            run(
                    scenario,
                    cluster,
                    Duration.ofSeconds(8),
                    () -> proxy.latency(Duration.ofMillis(300), Duration.ofMillis(50)),
                    proxy::heal);
        }
    }

    /** Something done to the redis-server. */
    private interface RedisStep {
        void on(RedisServer redis) throws Exception;
    }

    private static void onOwnRedis(Scenario scenario, String name, Duration duration, RedisStep apply, RedisStep lift)
            throws Exception {
        try (BrokerageCluster cluster =
                BrokerageCluster.builder(name).instances(2).redis().start()) {
            RedisServer redis = cluster.redis();
            run(scenario, cluster, duration, () -> apply.on(redis), () -> lift.on(redis));
        }
    }

    private static void run(
            Scenario scenario,
            BrokerageCluster cluster,
            Duration duration,
            FaultWindow.Step apply,
            FaultWindow.Step lift)
            throws Exception {
        History history = new History();
        BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, REQUEST_TIMEOUT);
        RedisServer redis = cluster.redis();
        Duration[] refill = {Duration.ZERO};
        try (Load load = Load.start(history, CLIENTS, workload::quote)) {
            new FaultWindow(200, duration, 200)
                    .run(
                            history,
                            load,
                            apply,
                            lift,
                            () -> refill[0] = Waits.until(
                                    "the quotes back in Redis", RECOVERY_LIMIT, () -> redis.keyCount() > 0));
        }
        Duration errors = BoundedRecovery.recovery(history, FaultWindow.END);
        scenario.recovery(refill[0].compareTo(errors) >= 0 ? refill[0] : errors)
                .verify(
                        history,
                        new ServerErrorBudget(0),
                        new BoundedLatency("quote", QUOTE_LATENCY_LIMIT),
                        new BoundedRecovery(FaultWindow.END, RECOVERY_LIMIT));
    }
}
