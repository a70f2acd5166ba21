package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.ServerErrorBudget;
import dev.ballast.test.ChildService;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every instance crashes at once and Redis loses its data; all come back together and a burst of clients asks for the
 * same few quotes on every instance. Hypothesis: the cluster-wide single flight loads each key once from the upstream,
 * not once per instance or per request.
 */
@ExtendWith(ChaosReport.class)
class ColdRestartScenario {

    private static final int INSTANCES = 3;
    private static final int SYMBOLS = 5;

    @Test
    @DisplayName("(4) every instance restarted at once: cold thundering herd")
    void aColdHerdLoadsEachKeyOnceClusterWide(Scenario scenario) throws Exception {
        scenario.fault("SIGKILL of all " + INSTANCES + " instances and redis-server at once; all restarted together"
                + " (Redis empty); 24 clients ask for 5 symbols on all instances at once");
        try (BrokerageCluster cluster = BrokerageCluster.builder("cold-herd")
                .instances(INSTANCES)
                .redis()
                .env("BROKERAGE_QUOTES_TTL", "60s")
                .env("BROKERAGE_MARKETDATA_LATENCY", "500ms")
                // a planned reload is not a herd: with the example's beta 10 and a 500 ms load, XFetch may refresh a
                // key with 57 s of its 60 s TTL left (about 1 in 90,000 per read, ~1 % over the burst, more if the
                // cold load is slower); with beta 1 no draw can while more than 37 load times are left, and the
                // burst is over in seconds
                .env("BROKERAGE_QUOTES_EARLY_REFRESH_BETA", "1")
                .start()) {
            for (ChildService instance : List.copyOf(cluster.instances())) {
                instance.kill();
                cluster.retire(instance);
            }
            cluster.redis().restart();
            long restarted = System.nanoTime();
            for (int i = 0; i < INSTANCES; i++) {
                cluster.startInstance();
            }
            for (ChildService instance : cluster.instances()) {
                instance.awaitHealthy();
            }
            scenario.recovery(Duration.ofNanos(System.nanoTime() - restarted));

            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
            try (Load load = Load.start(history, 24, workload::quote)) {
                load.awaitMore(500, Duration.ofSeconds(60));
            }
            double loads = 0;
            StringBuilder perInstance = new StringBuilder();
            for (ChildService instance : cluster.instances()) {
                double calls = instance.metric("brokerage_marketdata_calls_total(\\{[^}]*\\})?");
                loads += calls;
                // why a key was loaded more than once: a Redis call that failed or timed out (the caller then loads
                // by itself), an early refresh, or a wait that ran out
                perInstance
                        .append("; ")
                        .append(instance.name())
                        .append(": ")
                        .append((long) calls)
                        .append(" calls, l2 errors ")
                        .append((long) instance.metric("ballast_cache_l2_errors_total\\{[^}]*cache=\"quotes\"[^}]*\\}"))
                        .append(", early refreshes ")
                        .append((long)
                                instance.metric("ballast_cache_early_refreshes_total\\{[^}]*cache=\"quotes\"[^}]*\\}"))
                        .append(", stale served ")
                        .append((long)
                                instance.metric("ballast_cache_stale_served_total\\{[^}]*cache=\"quotes\"[^}]*\\}"));
            }
            double upstreamCalls = loads;
            scenario.verify(
                    history,
                    new ServerErrorBudget(0),
                    ignored -> Check.of(
                            "one upstream load per key cluster-wide",
                            upstreamCalls == SYMBOLS,
                            (long) upstreamCalls + " upstream calls for " + SYMBOLS + " keys on " + INSTANCES
                                    + " instances" + perInstance));
        }
    }
}
