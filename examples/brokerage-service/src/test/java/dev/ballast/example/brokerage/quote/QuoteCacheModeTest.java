package dev.ballast.example.brokerage.quote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.example.brokerage.BrokerageApplication;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code brokerage.quotes.cache} is read one way by the service and by the Spring-cache configuration's condition: an
 * accepted spelling selects the same mode in both, anything else fails start-up naming the property, in Boot's failure
 * report.
 */
@ExtendWith(OutputCaptureExtension.class)
class QuoteCacheModeTest {

    @Test
    void acceptedSpellingsAreTrimmedAndCaseInsensitive() {
        assertThat(QuoteCacheMode.of(null)).as("unset").isEqualTo(QuoteCacheMode.TIERED);
        assertThat(QuoteCacheMode.of("tiered")).isEqualTo(QuoteCacheMode.TIERED);
        assertThat(QuoteCacheMode.of(" Tiered\t")).isEqualTo(QuoteCacheMode.TIERED);
        assertThat(QuoteCacheMode.of("OFF")).isEqualTo(QuoteCacheMode.OFF);
        assertThat(QuoteCacheMode.of("spring-redis")).isEqualTo(QuoteCacheMode.SPRING_REDIS);
        assertThat(QuoteCacheMode.of(" Spring-Redis ")).isEqualTo(QuoteCacheMode.SPRING_REDIS);
        assertThat(QuoteCacheMode.of("Ballast-Cacheable")).isEqualTo(QuoteCacheMode.BALLAST_CACHEABLE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "spring_redis", "redis", "tiered,off"})
    void anyOtherValueIsRejectedNamingThePropertyAndTheAllowedValues(String value) {
        assertThatThrownBy(() -> QuoteCacheMode.of(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "brokerage.quotes.cache must be 'tiered', 'off', 'spring-redis' or 'ballast-cacheable', was '"
                                + value + "'");
    }

    @Test
    void anOddSpellingOfSpringRedisStartsTheSpringCachePath() throws Exception {
        try (ConfigurableApplicationContext context = start(" Spring-Redis ", "quotes-mode-odd")) {
            assertThat(context.getBeansOfType(SpringCachedQuotes.class))
                    .as("the configuration's condition read the value as the service did")
                    .hasSize(1);
            RedisClient redis = context.getBean(RedisClient.class);
            try (StatefulRedisConnection<String, String> connection = redis.connect()) {
                connection.sync().del("quotes::MSFT");
                context.getBean(QuoteService.class).quote("MSFT");
                assertThat(connection.sync().get("quotes::MSFT"))
                        .as("the quote went through Spring's cache in Redis")
                        .contains("\"symbol\":\"MSFT\"");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"spring_redis", " "})
    void aBadValueFailsStartUpWithAFailureReportNamingThePropertyTheValueAndTheAllowedValues(
            String value, CapturedOutput output) {
        assertThatThrownBy(() -> start(value, "quotes-mode-bad").close())
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .hasRootCauseMessage(
                        "brokerage.quotes.cache must be 'tiered', 'off', 'spring-redis' or 'ballast-cacheable', was '"
                                + value + "'");

        // Boot's report, not only the third "Caused by" of an UnsatisfiedDependencyException
        assertThat(output.getOut())
                .contains("APPLICATION FAILED TO START")
                .contains("Invalid value '" + value + "' for brokerage.quotes.cache: it names no quotes cache mode.")
                .contains(
                        "Set brokerage.quotes.cache to 'tiered', 'off', 'spring-redis' or 'ballast-cacheable' (trimmed, any case), or"
                                + " leave it unset for tiered.");
    }

    private static ConfigurableApplicationContext start(String mode, String database) {
        return new SpringApplication(BrokerageApplication.class)
                .run(
                        "--server.port=0",
                        "--spring.data.redis.host=127.0.0.1",
                        "--spring.data.redis.port=6379",
                        "--spring.datasource.url=jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1",
                        "--brokerage.quotes.cache=" + mode);
    }
}
