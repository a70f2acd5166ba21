package dev.ballast.chaos;

import dev.ballast.test.ChildService;
import dev.ballast.test.FaultProxy;
import dev.ballast.test.NetworkNamespace;
import dev.ballast.test.PostgresServer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The choices of a {@link BrokerageCluster} made before anything starts: how many instances, which servers of its own
 * (PostgreSQL or MariaDB, Redis), which proxies, a network namespace, extra environment. Used by every chaos scenario
 * through {@link BrokerageCluster#builder}, from the test thread. Guards nothing once {@link #start()} has returned.
 */
public final class BrokerageClusterBuilder {
    private final String scenario;
    private int instances = 1;
    private boolean redis;
    private boolean redisProxy;
    private boolean redisSentinel;
    private boolean databaseProxy;
    private boolean mariadb;
    private boolean postgresStandby;
    private boolean anyServerUrl;
    private boolean networkNamespace;
    private final Map<String, String> environment = new LinkedHashMap<>();

    BrokerageClusterBuilder(String scenario) {
        this.scenario = scenario;
    }

    /** How many instances start (and are awaited healthy) with the cluster; default 1. */
    public BrokerageClusterBuilder instances(int count) {
        this.instances = count;
        return this;
    }

    /** An own redis-server: the quotes cache gets its L2 and locks go to Redis with the database behind. */
    public BrokerageClusterBuilder redis() {
        this.redis = true;
        return this;
    }

    /** An own redis-server, reached by the instances through a {@link FaultProxy}. */
    public BrokerageClusterBuilder redisThroughProxy() {
        this.redis = true;
        this.redisProxy = true;
        return this;
    }

    /**
     * A Redis Sentinel setup of its own (one primary, one replica, three Sentinels; {@link
     * dev.ballast.test.RedisSentinel}) instead of a single redis-server: the instances are pointed at the Sentinels
     * ({@code SPRING_DATA_REDIS_SENTINEL_MASTER} and {@code _NODES}, as docs/operations.md says).
     */
    public BrokerageClusterBuilder redisSentinel() {
        this.redisSentinel = true;
        return this;
    }

    /** The instances reach PostgreSQL through a {@link FaultProxy}. */
    public BrokerageClusterBuilder databaseThroughProxy() {
        this.databaseProxy = true;
        return this;
    }

    /**
     * A streaming-replication standby of the cluster's PostgreSQL ({@link PostgresServer#startStandby}) that every
     * commit waits for (synchronous replication), and the instances pointed at both with pgjdbc's multi-host URL
     * ({@code targetServerType=primary}), as an operator runs a primary and its standby without a proxy; {@link
     * BrokerageCluster#postgresStandby()} promotes it.
     */
    public BrokerageClusterBuilder postgresStandby() {
        this.postgresStandby = true;
        return this;
    }

    /**
     * As {@link #postgresStandby()}, but the multi-host URL without {@code targetServerType}: the driver takes the
     * first server that answers, so an instance whose connection to the primary broke may reach the standby, which
     * refuses every write until it is promoted.
     */
    public BrokerageClusterBuilder postgresStandbyOnAnyServerUrl() {
        this.postgresStandby = true;
        this.anyServerUrl = true;
        return this;
    }

    /** An own MariaDB server instead of PostgreSQL (see {@link #mariadb()}). */
    public BrokerageClusterBuilder mariadb() {
        this.mariadb = true;
        return this;
    }

    /**
     * The instances run in a {@link NetworkNamespace} of the cluster's own and reach the database (and Redis)
     * through {@link FaultProxy}s listening on the namespace's host address (plain forwarders unless told
     * otherwise; {@link BrokerageCluster#databaseProxy()}, {@link BrokerageCluster#redisProxy()}), so that {@link NetworkNamespace#drop} can cut
     * the instances' traffic to either in the kernel. Needs root.
     */
    public BrokerageClusterBuilder inNetworkNamespace() {
        this.networkNamespace = true;
        return this;
    }

    /** An environment variable for every instance (operator configuration). */
    public BrokerageClusterBuilder env(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Starts the servers, the proxies and the instances, and waits until every instance is healthy. */
    public BrokerageCluster start() throws Exception {
        BrokerageCluster.jar();
        ClusterBackends backends = ClusterBackends.start(new ClusterBackends.Choices(
                mariadb,
                postgresStandby,
                anyServerUrl,
                databaseProxy,
                redis,
                redisProxy,
                redisSentinel,
                networkNamespace));
        Map<String, String> env = new LinkedHashMap<>(backends.environment());
        env.putAll(environment);
        BrokerageCluster cluster = new BrokerageCluster(scenario, backends, env);
        try {
            for (int i = 0; i < instances; i++) {
                cluster.startInstance();
            }
            for (ChildService instance : cluster.instances()) {
                instance.awaitHealthy();
            }
            return cluster;
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
    }
}
