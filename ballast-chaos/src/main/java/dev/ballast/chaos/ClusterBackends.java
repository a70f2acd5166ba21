package dev.ballast.chaos;

import dev.ballast.test.FaultProxy;
import dev.ballast.test.MariaDbServer;
import dev.ballast.test.NetworkNamespace;
import dev.ballast.test.PostgresServer;
import dev.ballast.test.RedisSentinel;
import dev.ballast.test.RedisServer;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The servers behind one {@link BrokerageCluster}'s instances: its own PostgreSQL or MariaDB, optionally its own
 * redis-server or Redis Sentinel setup, the {@link FaultProxy}s in front of them and the {@link NetworkNamespace} the
 * instances run in, and the environment variables that point an instance at them. Used only by {@link BrokerageCluster}; started and closed
 * from the test thread, read from any. Guards that what it started is closed again, the namespace last, also when a
 * later start fails.
 */
@SuppressWarnings("try") // close() waits for what it stopped; an interrupt then is the caller's to handle
final class ClusterBackends implements AutoCloseable {

    /** What {@link BrokerageClusterBuilder} chose. */
    record Choices(
            boolean mariadb,
            boolean postgresStandby,
            boolean anyServerUrl,
            boolean databaseProxy,
            boolean redis,
            boolean redisProxy,
            boolean redisSentinel,
            boolean networkNamespace) {}

    private final @Nullable PostgresServer postgres;
    private final @Nullable PostgresServer standby;
    private final @Nullable MariaDbServer mariadb;
    private final @Nullable FaultProxy databaseProxy;
    private final @Nullable RedisServer redis;
    private final @Nullable FaultProxy redisProxy;
    private final @Nullable RedisSentinel sentinel;
    private final @Nullable NetworkNamespace namespace;
    private final Map<String, String> environment;

    private ClusterBackends(
            @Nullable PostgresServer postgres,
            @Nullable PostgresServer standby,
            @Nullable MariaDbServer mariadb,
            @Nullable FaultProxy databaseProxy,
            @Nullable RedisServer redis,
            @Nullable FaultProxy redisProxy,
            @Nullable RedisSentinel sentinel,
            @Nullable NetworkNamespace namespace,
            Map<String, String> environment) {
        this.postgres = postgres;
        this.standby = standby;
        this.mariadb = mariadb;
        this.databaseProxy = databaseProxy;
        this.redis = redis;
        this.redisProxy = redisProxy;
        this.sentinel = sentinel;
        this.namespace = namespace;
        this.environment = environment;
    }

    /** Starts the servers and proxies {@code choices} asks for; on failure closes what it had started. */
    static ClusterBackends start(Choices choices) throws Exception {
        PostgresServer postgres = choices.mariadb() ? null : PostgresServer.start();
        PostgresServer standby = null;
        MariaDbServer maria = null;
        FaultProxy dbProxy = null;
        RedisServer redisServer = null;
        FaultProxy redisFaults = null;
        RedisSentinel sentinels = null;
        NetworkNamespace ns = null;
        try {
            ns = choices.networkNamespace() ? NetworkNamespace.create() : null;
            InetAddress listen = ns != null ? ns.hostAddress() : InetAddress.getLoopbackAddress();
            String host = listen.getHostAddress();
            maria = choices.mariadb() ? MariaDbServer.start() : null;
            int databasePort;
            if (maria != null) {
                maria.createDatabase(BrokerageCluster.DATABASE);
                databasePort = maria.port();
            } else {
                PostgresServer pg = Objects.requireNonNull(postgres);
                pg.createDatabase(BrokerageCluster.DATABASE);
                databasePort = pg.port();
                if (choices.postgresStandby()) {
                    standby = PostgresServer.startStandby(pg);
                    pg.requireSynchronousStandby();
                }
            }
            dbProxy = choices.databaseProxy() || ns != null ? FaultProxy.start(listen, databasePort) : null;
            redisServer = choices.redis() ? RedisServer.start() : null;
            redisFaults = redisServer != null && (choices.redisProxy() || ns != null)
                    ? FaultProxy.start(listen, redisServer.port())
                    : null;
            sentinels = choices.redisSentinel() ? RedisSentinel.create().startNow() : null;
            Map<String, String> env = new LinkedHashMap<>();
            int dbPort = dbProxy != null ? dbProxy.port() : databasePort;
            env.put(
                    "SPRING_DATASOURCE_URL",
                    standby != null
                            ? pairUrl(host, dbPort, standby.port(), choices.anyServerUrl())
                            : (maria != null ? "jdbc:mariadb" : "jdbc:postgresql") + "://" + host + ":" + dbPort + "/"
                                    + BrokerageCluster.DATABASE);
            env.put("SPRING_DATASOURCE_USERNAME", maria != null ? "root" : "postgres");
            env.put("SPRING_DATASOURCE_PASSWORD", "");
            // docs/operations.md, production checklist: fail fast instead of queueing 30 s for a connection
            env.put("SPRING_DATASOURCE_HIKARI_CONNECTION_TIMEOUT", "2000");
            if (redisServer != null) {
                env.put("SPRING_DATA_REDIS_HOST", host);
                env.put(
                        "SPRING_DATA_REDIS_PORT",
                        Integer.toString(redisFaults != null ? redisFaults.port() : redisServer.port()));
            }
            if (sentinels != null) {
                // Spring Boot's Sentinel properties, as docs/operations.md names them for an operator
                env.put("SPRING_DATA_REDIS_SENTINEL_MASTER", RedisSentinel.MASTER_NAME);
                env.put(
                        "SPRING_DATA_REDIS_SENTINEL_NODES",
                        sentinels.sentinelPorts().stream()
                                .map(port -> "127.0.0.1:" + port)
                                .collect(Collectors.joining(",")));
            }
            return new ClusterBackends(postgres, standby, maria, dbProxy, redisServer, redisFaults, sentinels, ns, env);
        } catch (Exception | AssertionError e) {
            BrokerageCluster.closeAll(sentinels, redisFaults, redisServer, dbProxy, maria, standby, postgres, ns);
            throw e;
        }
    }

    /** The variables that point an instance at these servers (through their proxies, where there are). */
    Map<String, String> environment() {
        return environment;
    }

    /**
     * pgjdbc's multi-host URL an operator gives instances in front of a primary and its standby without a proxy: with
     * {@code targetServerType=primary} the driver connects to whichever of the two accepts writes; {@code anyServer},
     * without it, to the first that answers.
     */
    private static String pairUrl(String host, int primaryPort, int standbyPort, boolean anyServer) {
        return "jdbc:postgresql://" + host + ":" + primaryPort + "," + host + ":" + standbyPort + "/"
                + BrokerageCluster.DATABASE + (anyServer ? "" : "?targetServerType=primary");
    }

    /** A new connection to the database, PostgreSQL (the current primary, with a standby) or MariaDB. */
    Connection connect() throws SQLException {
        if (standby != null) {
            return DriverManager.getConnection(
                    pairUrl("127.0.0.1", Objects.requireNonNull(postgres).port(), standby.port(), false),
                    "postgres",
                    "");
        }
        return mariadb != null
                ? mariadb.connect(BrokerageCluster.DATABASE)
                : Objects.requireNonNull(postgres).connect(BrokerageCluster.DATABASE);
    }

    @Nullable
    PostgresServer postgres() {
        return postgres;
    }

    @Nullable
    PostgresServer standby() {
        return standby;
    }

    @Nullable
    MariaDbServer mariadb() {
        return mariadb;
    }

    @Nullable
    FaultProxy databaseProxy() {
        return databaseProxy;
    }

    @Nullable
    RedisServer redis() {
        return redis;
    }

    @Nullable
    FaultProxy redisProxy() {
        return redisProxy;
    }

    @Nullable
    RedisSentinel sentinel() {
        return sentinel;
    }

    @Nullable
    NetworkNamespace namespace() {
        return namespace;
    }

    /** Closes the proxies and servers, the namespace last (call it after the instances inside have exited). */
    @Override
    public void close() throws Exception {
        BrokerageCluster.closeAll(sentinel, redisProxy, redis, databaseProxy, mariadb, standby, postgres, namespace);
    }
}
