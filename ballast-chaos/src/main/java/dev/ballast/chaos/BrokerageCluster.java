package dev.ballast.chaos;

import dev.ballast.test.ChildService;
import dev.ballast.test.FaultProxy;
import dev.ballast.test.MariaDbServer;
import dev.ballast.test.NetworkNamespace;
import dev.ballast.test.PostgresServer;
import dev.ballast.test.RedisSentinel;
import dev.ballast.test.RedisServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * The system under test of one scenario: a PostgreSQL cluster of its own (or a MariaDB server, {@link
 * BrokerageClusterBuilder#mariadb()}), optionally a redis-server of its own, either
 * reached directly or through a {@link FaultProxy}, and instances of the example ({@code brokerage-service.jar}, system
 * property {@code ballast.chaos.jar}) as child JVMs configured only through environment variables, their logs and the
 * raw alerts their routers received ({@value #RAW_ALERTS}) under {@code target/chaos/<scenario>/instance-<n>/}. The instances get what the production checklist of {@code docs/operations.md} asks
 * for (a 2 s pool connection timeout) and nothing else beyond the addresses. Everything is stopped and deleted on close. Started and changed from the test
 * thread; {@link #instances()} may be read from the clients' threads.
 *
 * <p>Used by every chaos scenario. This type holds the instances' lifecycle and their environment; the choices before
 * start are {@link BrokerageClusterBuilder}'s, the servers and proxies {@link ClusterBackends}', the queries the
 * invariants read {@link BrokerageQueries}'.
 */
@SuppressWarnings("try") // close() waits for what it stopped; an interrupt then is the caller's to handle
public final class BrokerageCluster implements AutoCloseable {

    /** File in each instance's directory with every raw alert its router received ({@code ballast.alert.record-raw}). */
    public static final String RAW_ALERTS = "raw-alerts.jsonl";

    /** The database the instances use on the own PostgreSQL. */
    public static final String DATABASE = "brokerage";

    private final String scenario;
    private final ClusterBackends backends;
    private final Map<String, String> environment;
    private final List<ChildService> instances = new CopyOnWriteArrayList<>();
    private final List<ChildService> stopped = new ArrayList<>();
    private int started;

    BrokerageCluster(String scenario, ClusterBackends backends, Map<String, String> environment) {
        this.scenario = scenario;
        this.backends = backends;
        this.environment = environment;
    }

    /** A cluster for the scenario named {@code scenario} (a directory name). */
    public static BrokerageClusterBuilder builder(String scenario) {
        return new BrokerageClusterBuilder(scenario);
    }

    /** The example's jar, from system property {@code ballast.chaos.jar}; fails saying how to build it. */
    public static Path jar() {
        String configured = System.getProperty("ballast.chaos.jar");
        Path jar =
                Path.of(configured != null ? configured : "../examples/brokerage-service/target/brokerage-service.jar");
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar.toAbsolutePath() + " is missing: build it with"
                    + " `./mvnw -pl ballast-chaos -am verify -Pchaos`, which packages the example first");
        }
        return jar;
    }

    /** Starts one more instance with the cluster's environment (not waiting for it) and adds it to the live ones. */
    public ChildService startInstance() throws IOException {
        return startInstance(Map.of());
    }

    /** As {@link #startInstance()}, with {@code overrides} on top of the cluster's environment. */
    public ChildService startInstance(Map<String, String> overrides) throws IOException {
        return startInstance(overrides, List.of());
    }

    /**
     * As {@link #startInstance(Map)}, the JVM started with {@code jvmOptions} too (e.g. {@link Byteman#jvmOptions()}).
     */
    public ChildService startInstance(Map<String, String> overrides, List<String> jvmOptions) throws IOException {
        started++;
        Path directory = Path.of("target", "chaos", scenario, "instance-" + started);
        Map<String, String> env = new LinkedHashMap<>();
        // every raw alert the instance's router receives, for replaying the run (docs/alerting.md, docs/chaos.md)
        env.put(
                "BALLAST_ALERT_RECORD_RAW",
                directory.resolve(RAW_ALERTS).toAbsolutePath().toString());
        env.putAll(environment);
        env.putAll(overrides);
        NetworkNamespace namespace = backends.namespace();
        ChildService instance = namespace != null
                ? ChildService.startIn(namespace, jar(), directory, env, jvmOptions)
                : ChildService.start(jar(), directory, env, jvmOptions);
        instances.add(instance);
        return instance;
    }

    /** Takes {@code instance} out of the live ones (after it was killed or stopped); closed with the cluster. */
    public void retire(ChildService instance) {
        instances.remove(instance);
        stopped.add(instance);
    }

    /** The live instances, in start order; safe to read from any thread. */
    public List<ChildService> instances() {
        return instances;
    }

    /** The environment every instance starts with. */
    public Map<String, String> environment() {
        return Map.copyOf(environment);
    }

    /** The own PostgreSQL; fails if the cluster was built with {@link BrokerageClusterBuilder#mariadb()}. */
    public PostgresServer postgres() {
        return built(backends.postgres(), "built with mariadb()");
    }

    /** The standby of the cluster's PostgreSQL (built with {@link BrokerageClusterBuilder#postgresStandby()}). */
    public PostgresServer postgresStandby() {
        return built(backends.standby(), "built without postgresStandby()");
    }

    /** The own MariaDB server; fails if the cluster was built without {@link BrokerageClusterBuilder#mariadb()}. */
    public MariaDbServer mariadb() {
        return built(backends.mariadb(), "built without mariadb()");
    }

    /** A new connection to the instances' database, PostgreSQL or MariaDB. */
    public Connection connect() throws SQLException {
        return backends.connect();
    }

    /** The instances' network namespace; fails if built without {@link BrokerageClusterBuilder#inNetworkNamespace()}. */
    public NetworkNamespace networkNamespace() {
        return built(backends.namespace(), "built without inNetworkNamespace()");
    }

    /** The proxy in front of PostgreSQL; fails if the cluster was built without it. */
    public FaultProxy databaseProxy() {
        return built(backends.databaseProxy(), "built without databaseThroughProxy()");
    }

    /** The own redis-server; fails if the cluster was built without it. */
    public RedisServer redis() {
        return built(backends.redis(), "built without redis()");
    }

    /**
     * The own Redis Sentinel setup; fails if the cluster was built without {@link
     * BrokerageClusterBuilder#redisSentinel()}.
     */
    public RedisSentinel redisSentinel() {
        return built(backends.sentinel(), "built without redisSentinel()");
    }

    /** The proxy in front of Redis; fails if the cluster was built without it. */
    public FaultProxy redisProxy() {
        return built(backends.redisProxy(), "built without redisThroughProxy()");
    }

    /** The idempotency keys of the orders the database holds. */
    public Set<String> storedOrderKeys() throws SQLException {
        return BrokerageQueries.storedOrderKeys(backends::connect);
    }

    /** Every account's balance. */
    public Map<String, BigDecimal> balances() throws SQLException {
        return BrokerageQueries.balances(backends::connect);
    }

    /** The single number {@code sql} selects. */
    public long count(String sql) throws SQLException {
        return BrokerageQueries.count(backends::connect, sql);
    }

    @Override
    public void close() throws Exception {
        List<AutoCloseable> all = new ArrayList<>(instances);
        all.addAll(stopped);
        all.add(backends); // after the instances: the namespace goes once they have exited
        closeAll(all.toArray(AutoCloseable[]::new));
    }

    private static <T> T built(@Nullable T resource, String otherwise) {
        if (resource == null) {
            throw new IllegalStateException(otherwise);
        }
        return resource;
    }

    /** Closes every non-null resource in order; throws the first failure with the later ones suppressed. */
    static void closeAll(@Nullable AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
