package dev.ballast.boot.autoconfigure.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Which Lettuce client Spring Boot's {@code spring.data.redis.*} settings give; no server is contacted. */
class BallastRedisAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BallastRedisAutoConfiguration.class));

    @Test
    void clusterNodesGiveAClusterClientThatFollowsTopologyChanges() {
        runner.withPropertyValues(
                        "spring.data.redis.cluster.nodes=127.0.0.1:7000,127.0.0.1:7001",
                        "spring.data.redis.cluster.max-redirects=3",
                        "spring.data.redis.lettuce.cluster.refresh.period=5s")
                .run(context -> {
                    assertThat(context).hasSingleBean(RedisClusterClient.class).doesNotHaveBean(RedisClient.class);
                    ClusterClientOptions options = (ClusterClientOptions)
                            context.getBean(RedisClusterClient.class).getOptions();
                    assertThat(options.getMaxRedirects()).isEqualTo(3);
                    ClusterTopologyRefreshOptions refresh = options.getTopologyRefreshOptions();
                    assertThat(refresh.getAdaptiveRefreshTriggers()).isNotEmpty();
                    assertThat(refresh.isPeriodicRefreshEnabled()).isTrue();
                    assertThat(refresh.getRefreshPeriod()).isEqualTo(Duration.ofSeconds(5));
                });
    }

    @Test
    void clusterSeedsCarryTheDataNodesCredentialsAndTimeout() {
        List<RedisURI> seeds = BallastRedisAutoConfiguration.clusterUris(binder(
                "spring.data.redis.cluster.nodes[0]", "10.0.0.1:7000",
                "spring.data.redis.cluster.nodes[1]", "10.0.0.2:7001",
                "spring.data.redis.username", "app",
                "spring.data.redis.password", "s3cret",
                "spring.data.redis.timeout", "750ms"));

        assertThat(seeds).extracting(RedisURI::getHost).containsExactly("10.0.0.1", "10.0.0.2");
        assertThat(seeds).extracting(RedisURI::getPort).containsExactly(7000, 7001);
        assertThat(seeds).allSatisfy(seed -> {
            assertThat(credentials(seed).getUsername()).isEqualTo("app");
            assertThat(new String(credentials(seed).getPassword())).isEqualTo("s3cret");
            assertThat(seed.getTimeout()).isEqualTo(Duration.ofMillis(750));
        });
    }

    @Test
    void adaptiveRefreshCanBeSwitchedOffAsInSpringBoot() {
        ClusterClientOptions options = BallastRedisAutoConfiguration.clusterOptions(
                binder("spring.data.redis.lettuce.cluster.refresh.adaptive", "false"));

        assertThat(options.getTopologyRefreshOptions().getAdaptiveRefreshTriggers())
                .isEmpty();
        assertThat(options.getTopologyRefreshOptions().isPeriodicRefreshEnabled())
                .isFalse();
    }

    @Test
    void sentinelSettingsGiveAClientThatAsksTheSentinelsForThePrimary() {
        RedisURI uri = BallastRedisAutoConfiguration.sentinelUri(binder(
                "spring.data.redis.sentinel.master", "brokerage",
                "spring.data.redis.sentinel.nodes", "10.0.0.1:26379, 10.0.0.2:26380,10.0.0.3",
                "spring.data.redis.sentinel.password", "sentinel-secret",
                "spring.data.redis.password", "data-secret",
                "spring.data.redis.database", "2"));

        assertThat(uri.getSentinelMasterId()).isEqualTo("brokerage");
        assertThat(uri.getSentinels())
                .extracting(RedisURI::getHost)
                .containsExactly("10.0.0.1", "10.0.0.2", "10.0.0.3");
        assertThat(uri.getSentinels()).extracting(RedisURI::getPort).containsExactly(26379, 26380, 26379);
        assertThat(uri.getSentinels()).allSatisfy(sentinel -> assertThat(
                        new String(credentials(sentinel).getPassword()))
                .isEqualTo("sentinel-secret"));
        assertThat(new String(credentials(uri).getPassword())).isEqualTo("data-secret");
        assertThat(uri.getDatabase()).isEqualTo(2);
    }

    @Test
    void sentinelSettingsWinOverClusterNodesAsInSpringBoot() {
        runner.withPropertyValues(
                        "spring.data.redis.sentinel.master=brokerage",
                        "spring.data.redis.sentinel.nodes=127.0.0.1:26379",
                        "spring.data.redis.cluster.nodes=127.0.0.1:7000")
                .run(context ->
                        assertThat(context).hasSingleBean(RedisClient.class).doesNotHaveBean(RedisClusterClient.class));
    }

    @Test
    void aSentinelSetupHalfGivenFailsStartUpNamingTheMissingPropertyInsteadOfUsingTheHost() {
        runner.withPropertyValues(
                        "spring.data.redis.sentinel.master=brokerage",
                        "spring.data.redis.host=127.0.0.1",
                        "spring.data.redis.password=s3cret")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("spring.data.redis.sentinel.nodes")
                        .hasStackTraceContaining("is needed with spring.data.redis.sentinel.master 'brokerage'")
                        .satisfies(failure -> assertThat(stackTrace(failure)).doesNotContain("s3cret")));
        runner.withPropertyValues("spring.data.redis.sentinel.nodes=127.0.0.1:26379")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("spring.data.redis.sentinel.master")
                        .hasStackTraceContaining("is needed with spring.data.redis.sentinel.nodes [127.0.0.1:26379]"));
        // an empty variable (SPRING_DATA_REDIS_SENTINEL_MASTER=) is not a Sentinel setup
        runner.withPropertyValues("spring.data.redis.sentinel.master=", "spring.data.redis.host=127.0.0.1")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RedisClient.class));
    }

    @Test
    void hostGivesAStandaloneClientAndNoSettingsGiveNone() {
        runner.withPropertyValues("spring.data.redis.host=127.0.0.1")
                .run(context -> assertThat(context).hasSingleBean(RedisClient.class));
        runner.run(context -> assertThat(context).doesNotHaveBean(AbstractRedisClient.class));
    }

    @Test
    void aBadNodeFailsStartUpNamingThePropertyWithoutPrintingThePassword() {
        runner.withPropertyValues(
                        "spring.data.redis.cluster.nodes=127.0.0.1:7000,127.0.0.1:notaport",
                        "spring.data.redis.password=s3cret")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining(
                                "spring.data.redis.cluster.nodes entries must be host:port, was '127.0.0.1:notaport'")
                        .satisfies(failure -> assertThat(stackTrace(failure)).doesNotContain("s3cret")));
    }

    @Test
    void backsOffForTheApplicationsOwnClusterClient() {
        runner.withUserConfiguration(OwnCluster.class)
                .withPropertyValues("spring.data.redis.host=127.0.0.1")
                .run(context -> assertThat(context)
                        .hasSingleBean(AbstractRedisClient.class)
                        .doesNotHaveBean(RedisClient.class));
    }

    private static RedisCredentials credentials(RedisURI uri) {
        return uri.getCredentialsProvider().resolveCredentials().block(Duration.ofSeconds(1));
    }

    private static Binder binder(String... pairs) {
        MapConfigurationPropertySource source = new MapConfigurationPropertySource();
        for (int i = 0; i < pairs.length; i += 2) {
            source.put(pairs[i], pairs[i + 1]);
        }
        return new Binder(source);
    }

    private static String stackTrace(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnCluster {
        @Bean(destroyMethod = "shutdown")
        RedisClusterClient ownCluster() {
            return RedisClusterClient.create("redis://127.0.0.1:7000");
        }
    }
}
