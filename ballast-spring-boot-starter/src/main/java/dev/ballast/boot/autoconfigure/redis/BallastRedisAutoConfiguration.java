package dev.ballast.boot.autoconfigure.redis;

import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * A Lettuce client for Ballast's cache and lock, built from the same {@code spring.data.redis.*} settings Spring Boot's
 * Redis support reads; there is no second way to configure Redis. Which client follows Boot's own order:
 *
 * <ul>
 *   <li>{@code spring.data.redis.sentinel.master} and {@code .nodes} set (one of them alone fails start-up naming the
 *       other): a {@link RedisClient} with a Sentinel URI,
 *       which asks the Sentinels for the primary on every (re)connect, so it follows failovers ({@code
 *       sentinel.username}/{@code sentinel.password} authenticate to the Sentinels, {@code username}/{@code
 *       password} to the data nodes);
 *   <li>else {@code spring.data.redis.cluster.nodes} set: a {@link RedisClusterClient} seeded with those nodes, with
 *       {@code cluster.max-redirects} and the topology refresh of {@code lettuce.cluster.refresh.*} (adaptive on by
 *       default, as in Boot, so a promoted replica is found at once; {@code period} for a periodic refresh too);
 *   <li>else {@code spring.data.redis.url} or {@code host} set: a standalone {@link RedisClient}.
 * </ul>
 *
 * {@code timeout}, {@code client-name}, {@code ssl.enabled} and the credentials apply to all three ({@code database}
 * not to a cluster, which has only database 0). Without any of these settings Ballast stays on its embedded defaults
 * (L1-only caches), and it backs off when the application defines a Lettuce client of its own. A bad setting fails
 * start-up naming the property, never echoing a password.
 */
@AutoConfiguration
@ConditionalOnClass(RedisClient.class)
public final class BallastRedisAutoConfiguration {

    private static final String PREFIX = "spring.data.redis.";

    /** Which Redis the settings describe. */
    enum Topology {
        SENTINEL,
        CLUSTER,
        STANDALONE,
        NONE;

        static Topology of(Binder binder) {
            // either Sentinel setting alone is a Sentinel setup half given, as in Spring Boot (which then fails to
            // connect): the client refuses it at start-up (sentinelUri) instead of falling back to a host or to none
            if (!binder.bind(PREFIX + "sentinel.master", String.class)
                            .orElse("")
                            .isBlank()
                    || !strings(binder, "sentinel.nodes").isEmpty()) {
                return SENTINEL;
            }
            if (!strings(binder, "cluster.nodes").isEmpty()) {
                return CLUSTER;
            }
            if (binder.bind(PREFIX + "url", String.class).isBound()
                    || binder.bind(PREFIX + "host", String.class).isBound()) {
                return STANDALONE;
            }
            return NONE;
        }
    }

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean(AbstractRedisClient.class)
    @Conditional(StandaloneOrSentinel.class)
    RedisClient ballastRedisClient(Environment environment) {
        Binder binder = Binder.get(environment);
        return RedisClient.create(Topology.of(binder) == Topology.SENTINEL ? sentinelUri(binder) : uri(binder));
    }

    @Bean(destroyMethod = "shutdown")
    @ConditionalOnMissingBean(AbstractRedisClient.class)
    @Conditional(Cluster.class)
    RedisClusterClient ballastRedisClusterClient(Environment environment) {
        Binder binder = Binder.get(environment);
        RedisClusterClient client = RedisClusterClient.create(clusterUris(binder));
        client.setOptions(clusterOptions(binder));
        return client;
    }

    static RedisURI uri(Binder binder) {
        String url = binder.bind(PREFIX + "url", String.class).orElse(null);
        RedisURI uri;
        if (url != null) {
            try {
                uri = RedisURI.create(url);
            } catch (RuntimeException e) { // the URL may hold a password: never echo it
                throw InvalidBallastPropertyException.secret(
                        PREFIX + "url", "is not a valid redis:// or rediss:// URL");
            }
        } else {
            String host = binder.bind(PREFIX + "host", String.class).orElse("localhost");
            int port = binder.bind(PREFIX + "port", Integer.class).orElse(6379);
            if (port < 1 || port > 65535) {
                throw InvalidBallastPropertyException.invalid(PREFIX + "port", port, "must be 1 to 65535");
            }
            RedisURI.Builder builder = RedisURI.builder().withHost(host).withPort(port);
            uri = common(binder, builder).build();
        }
        binder.bind(PREFIX + "database", Integer.class).ifBound(uri::setDatabase);
        return uri;
    }

    static RedisURI sentinelUri(Binder binder) {
        String master = binder.bind(PREFIX + "sentinel.master", String.class).orElse("");
        List<String> sentinels = strings(binder, "sentinel.nodes");
        if (master.isBlank()) {
            throw InvalidBallastPropertyException.missing(
                    PREFIX + "sentinel.master",
                    master,
                    "is needed with spring.data.redis.sentinel.nodes " + sentinels
                            + ": the name the Sentinels monitor the primary by",
                    "Set spring.data.redis.sentinel.master (SPRING_DATA_REDIS_SENTINEL_MASTER) to the name in the"
                            + " Sentinels' 'sentinel monitor <name> ...' line, or remove spring.data.redis.sentinel.nodes"
                            + " for a standalone Redis");
        }
        if (sentinels.isEmpty()) {
            throw InvalidBallastPropertyException.missing(
                    PREFIX + "sentinel.nodes",
                    "",
                    "is needed with spring.data.redis.sentinel.master '" + master + "': the Sentinels to ask for"
                            + " the primary",
                    "Set spring.data.redis.sentinel.nodes (SPRING_DATA_REDIS_SENTINEL_NODES) to the Sentinels,"
                            + " host:port,..., or remove spring.data.redis.sentinel.master for a standalone Redis"
                            + " (spring.data.redis.host)");
        }
        @Nullable
        String sentinelUser =
                binder.bind(PREFIX + "sentinel.username", String.class).orElse(null);
        @Nullable
        String sentinelPassword =
                binder.bind(PREFIX + "sentinel.password", String.class).orElse(null);
        RedisURI.Builder builder = RedisURI.builder().withSentinelMasterId(master);
        for (HostAndPort node : nodes(binder, "sentinel.nodes", 26379)) {
            RedisURI.Builder sentinel = RedisURI.builder().withHost(node.host()).withPort(node.port());
            credentials(sentinel, sentinelUser, sentinelPassword);
            builder.withSentinel(sentinel.build());
        }
        RedisURI uri = common(binder, builder).build();
        binder.bind(PREFIX + "database", Integer.class).ifBound(uri::setDatabase);
        return uri;
    }

    static List<RedisURI> clusterUris(Binder binder) {
        List<RedisURI> seeds = new ArrayList<>();
        for (HostAndPort node : nodes(binder, "cluster.nodes", 6379)) {
            seeds.add(common(binder, RedisURI.builder().withHost(node.host()).withPort(node.port()))
                    .build());
        }
        return seeds;
    }

    // Lettuce 7 deprecates the adaptive refresh triggers without naming a replacement; the property keeps them on
    @SuppressWarnings("deprecation")
    static ClusterClientOptions clusterOptions(Binder binder) {
        ClusterTopologyRefreshOptions.Builder refresh = ClusterTopologyRefreshOptions.builder()
                .dynamicRefreshSources(
                        binder.bind(PREFIX + "lettuce.cluster.refresh.dynamic-refresh-sources", Boolean.class)
                                .orElse(true));
        if (binder.bind(PREFIX + "lettuce.cluster.refresh.adaptive", Boolean.class)
                .orElse(true)) {
            refresh.enableAllAdaptiveRefreshTriggers();
        } else {
            refresh.disableAllAdaptiveRefreshTriggers();
        }
        binder.bind(PREFIX + "lettuce.cluster.refresh.period", Duration.class).ifBound(period -> {
            if (period.isNegative() || period.isZero()) {
                throw new IllegalStateException(
                        PREFIX + "lettuce.cluster.refresh.period must be positive, was " + period);
            }
            refresh.enablePeriodicRefresh(period);
        });
        ClusterClientOptions.Builder options = ClusterClientOptions.builder().topologyRefreshOptions(refresh.build());
        binder.bind(PREFIX + "cluster.max-redirects", Integer.class).ifBound(redirects -> {
            if (redirects < 0) {
                throw new IllegalStateException(PREFIX + "cluster.max-redirects must be 0 or more, was " + redirects);
            }
            options.maxRedirects(redirects);
        });
        return options.build();
    }

    /** Credentials, TLS, timeout and client name of the data nodes. */
    private static RedisURI.Builder common(Binder binder, RedisURI.Builder builder) {
        builder.withSsl(binder.bind(PREFIX + "ssl.enabled", Boolean.class).orElse(false));
        credentials(
                builder,
                binder.bind(PREFIX + "username", String.class).orElse(null),
                binder.bind(PREFIX + "password", String.class).orElse(null));
        binder.bind(PREFIX + "timeout", Duration.class).ifBound(builder::withTimeout);
        binder.bind(PREFIX + "client-name", String.class).ifBound(builder::withClientName);
        return builder;
    }

    private static void credentials(RedisURI.Builder builder, @Nullable String username, @Nullable String password) {
        if (password != null) {
            if (username != null) {
                builder.withAuthentication(username, password.toCharArray());
            } else {
                builder.withPassword(password.toCharArray());
            }
        }
    }

    private record HostAndPort(String host, int port) {}

    private static List<HostAndPort> nodes(Binder binder, String property, int defaultPort) {
        List<HostAndPort> nodes = new ArrayList<>();
        for (String node : strings(binder, property)) {
            String trimmed = node.trim();
            int colon = trimmed.lastIndexOf(':');
            String host = colon < 0 ? trimmed : trimmed.substring(0, colon);
            int port = defaultPort;
            if (colon >= 0) {
                try {
                    port = Integer.parseInt(trimmed.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw new IllegalStateException(
                        PREFIX + property + " entries must be host:port, was '" + trimmed + "'");
            }
            nodes.add(new HostAndPort(host, port));
        }
        return nodes;
    }

    private static List<String> strings(Binder binder, String property) {
        return binder.bind(PREFIX + property, Bindable.listOf(String.class)).orElse(List.of());
    }

    /** The settings describe a standalone Redis or a Sentinel setup. */
    static final class StandaloneOrSentinel extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Topology topology = Topology.of(Binder.get(context.getEnvironment()));
            return topology == Topology.STANDALONE || topology == Topology.SENTINEL
                    ? ConditionOutcome.match("spring.data.redis.* describe a " + topology + " Redis")
                    : ConditionOutcome.noMatch("spring.data.redis.* describe " + topology + " Redis");
        }
    }

    /** The settings describe a Redis Cluster. */
    static final class Cluster extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Topology topology = Topology.of(Binder.get(context.getEnvironment()));
            return topology == Topology.CLUSTER
                    ? ConditionOutcome.match("spring.data.redis.cluster.nodes is set")
                    : ConditionOutcome.noMatch("spring.data.redis.* describe " + topology + " Redis");
        }
    }
}
