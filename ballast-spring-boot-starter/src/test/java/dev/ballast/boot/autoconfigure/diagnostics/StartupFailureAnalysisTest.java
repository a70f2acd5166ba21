package dev.ballast.boot.autoconfigure.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.boot.autoconfigure.cache.BallastCacheAutoConfiguration;
import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.boot.autoconfigure.lock.BallastLockAutoConfiguration;
import dev.ballast.boot.autoconfigure.outbox.BallastOutboxDeliveryAutoConfiguration;
import dev.ballast.boot.autoconfigure.redis.BallastRedisAutoConfiguration;
import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import dev.ballast.test.LogCapture;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * Issue 16 item 8: a start-up error caused by a {@code ballast.*} setting is reported the way Spring Boot reports its
 * own ("APPLICATION FAILED TO START", Description / Action), naming the property as written in YAML, the value as the
 * user wrote it and the file it came from, and, for a backend whose dependency is missing, which property to set. The
 * applications start through {@link org.springframework.boot.SpringApplication}, so the analyzer is found through
 * {@code META-INF/spring.factories} as in a real service.
 */
class StartupFailureAnalysisTest {

    /** Boot's failure report (and the context's one-line warning), kept off the console and read here. */
    @RegisterExtension
    final LogCapture boot = LogCapture.of("org.springframework");

    /** Kafka's client log, for the topic check against a broker that does not answer. */
    @RegisterExtension
    final LogCapture kafka = LogCapture.of("org.apache.kafka");

    @Test
    void aNegativeCacheTtlNamesTheCachesPropertyTheValueAsWrittenAndTheFile() {
        String report = failureReport("bad-cache-ttl.yml");

        assertThat(report)
                .contains("APPLICATION FAILED TO START")
                .contains("Invalid Ballast setting ballast.cache.caches.prices.l1-ttl = '-5s'")
                .contains("diagnostics/bad-cache-ttl.yml")
                .contains("Reason: ballast.cache.caches.prices.l1-ttl must be positive")
                .contains("Action:")
                .contains("Update ballast.cache.caches.prices.l1-ttl in your configuration")
                .doesNotContain("PT-5S");
    }

    @Test
    void aTtlJitterOutOfRangeIsNamedAsTheDefaultsPropertyNotAsTheBuildersField() {
        String report = failureReport("bad-cache-jitter.yml");

        assertThat(report)
                .contains("Invalid Ballast setting ballast.cache.defaults.ttl-jitter = '0.9'")
                .contains("diagnostics/bad-cache-jitter.yml")
                .contains("Reason: ballast.cache.defaults.ttl-jitter must be between 0 and 0.5");
    }

    @Test
    void aLeaseBelowTheMinimumNamesTheNestedPropertyNotJustItsObject() {
        String report = failureReport("short-lease.yml");

        assertThat(report)
                .contains("Invalid Ballast setting ballast.lock.resilient.max-lease = '50ms'")
                .contains("diagnostics/short-lease.yml")
                .contains("Reason: ballast.lock.resilient.max-lease must be at least 100ms");
    }

    @Test
    void theRedisLockBackendWithoutRedisSaysWhichSpringDataRedisPropertyToSet() {
        String report = failureReport("redis-lock-without-redis.yml");

        assertThat(report)
                .contains("Invalid Ballast setting ballast.lock.backend = 'REDIS'")
                .contains("needs a single Lettuce client bean (RedisClient or RedisClusterClient)")
                .contains("Action:")
                .contains("set spring.data.redis.host")
                .contains("spring.data.redis.url")
                .contains("set ballast.lock.backend to JDBC");
    }

    @Test
    void anInvalidRedisUrlIsNamedButItsValueWhichMayHoldAPasswordIsNotShown() {
        String report = failureReport("bad-redis-url.yml");

        assertThat(report)
                .contains("Invalid Ballast setting spring.data.redis.url (value not shown: it may hold a secret)")
                .contains("is not a valid redis:// or rediss:// URL")
                .doesNotContain("hunter2");
    }

    @Test
    void aKafkaBrokerThatDoesNotAnswerTheTopicCheckIsNamedWithTheWayOutInAFewLogLines() {
        String report = failureReport("kafka-unreachable.yml");

        assertThat(report)
                .contains("Invalid Ballast setting ballast.outbox.kafka.verify-topics = 'true'")
                .contains("needs a Kafka broker to answer at spring.kafka.bootstrap-servers=[127.0.0.1:1]")
                .contains("[brokerage.orders]")
                .contains("ballast.outbox.kafka.verify-topics=false");
        // with Kafka's default re-bootstrap loop the check's admin client logged 6,625 of these in its 15 s
        assertThat(kafka.eventsAtLeast(Level.INFO).stream()
                        .filter(event -> event.getFormattedMessage().contains("Rebootstrapping")))
                .hasSizeLessThan(20);
        assertThat(kafka.eventsAtLeast(Level.INFO)).hasSizeLessThan(200);
    }

    @Test
    void aKafkaProducerSettingThatWouldReorderEventsIsNamedAsItsSpringProperty() {
        String report = failureReport("kafka-acks-one.yml");

        assertThat(report)
                .contains("Invalid Ballast setting spring.kafka.producer.acks = '1'")
                .contains("diagnostics/kafka-acks-one.yml")
                .contains("Reason: spring.kafka.producer.acks must be all for the outbox's idempotent producer");
    }

    @Test
    void aRabbitMqPasswordTheBrokerRefusesIsReportedAsSuchNamingThePropertiesAndNotTheValue() {
        // found by a black-box check: Spring's "Application run failed" stack trace, "Could not connect to RabbitMQ"
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class)
                        .web(WebApplicationType.NONE)
                        .properties(
                                "spring.main.banner-mode=off",
                                "spring.config.location=classpath:diagnostics/rabbit-wrong-password.yml")
                        .run())
                .isInstanceOf(RuntimeException.class);
        String report = bootReport(boot);

        assertThat(report)
                .contains("RabbitMQ at 127.0.0.1:5672 (virtual host '/') refused the credentials of user 'guest'")
                .contains("ACCESS_REFUSED")
                .contains("Check spring.rabbitmq.username and spring.rabbitmq.password")
                .doesNotContain("Sekr3t");
    }

    @Test
    void durationsInMessagesReadAsTheyAreWrittenInYaml() {
        assertThat(InvalidBallastPropertyException.display(Duration.ofMillis(500)))
                .isEqualTo("500ms");
        assertThat(InvalidBallastPropertyException.display(Duration.ofMinutes(5)))
                .isEqualTo("5m");
        assertThat(InvalidBallastPropertyException.display(Duration.ofHours(48)))
                .isEqualTo("2d");
        assertThat(InvalidBallastPropertyException.display(Duration.ZERO)).isEqualTo("0s");
        assertThat(InvalidBallastPropertyException.display(Duration.ofNanos(1500)))
                .isEqualTo("1500ns");
        assertThat(InvalidBallastPropertyException.requirementIn("Outbox relay threads must be 1 to 64, was 0"))
                .isEqualTo("must be 1 to 64");
    }

    /** Starts {@link App} with one YAML file of settings, expects it to fail, and returns Boot's failure report. */
    private String failureReport(String yaml) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class)
                        .web(WebApplicationType.NONE)
                        .properties(
                                "spring.main.banner-mode=off", "spring.config.location=classpath:diagnostics/" + yaml)
                        .run())
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
        return bootReport(boot);
    }

    /** Boot's "APPLICATION FAILED TO START" report among the captured events; fails when there is none. */
    static String bootReport(LogCapture boot) {
        return boot.eventsAtLeast(Level.ERROR).stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.contains("APPLICATION FAILED TO START"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no failure analysis was reported; captured: " + boot.events()));
    }

    @SpringBootConfiguration
    @ImportAutoConfiguration({
        BallastExecutorAutoConfiguration.class,
        BallastRedisAutoConfiguration.class,
        BallastLockAutoConfiguration.class,
        BallastCacheAutoConfiguration.class,
        BallastOutboxDeliveryAutoConfiguration.class
    })
    static class App {}
}
