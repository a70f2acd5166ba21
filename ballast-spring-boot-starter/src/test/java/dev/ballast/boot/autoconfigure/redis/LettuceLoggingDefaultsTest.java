package dev.ballast.boot.autoconfigure.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Issue 16: while Redis is down, Lettuce's reconnect lines (a WARN and an INFO per connection and attempt, for as long as
 * the outage lasts) are quiet by default, since Ballast reports the outage itself; the application's own level wins.
 * The applications start through {@link org.springframework.boot.SpringApplication}, so the default comes from {@code
 * META-INF/spring.factories} and is applied by Boot's logging listener, as in a service; the logging system is one that
 * records the levels Boot sets instead of reconfiguring Logback for the other tests.
 */
class LettuceLoggingDefaultsTest {

    private static final String WATCHDOG = "io.lettuce.core.protocol.ConnectionWatchdog";
    private static final String CLIENT = "io.lettuce.core.RedisClient";

    private String previousLoggingSystem;

    @BeforeEach
    void recordLevels() {
        previousLoggingSystem = System.getProperty(LoggingSystem.SYSTEM_PROPERTY);
        System.setProperty(LoggingSystem.SYSTEM_PROPERTY, RecordingLoggingSystem.class.getName());
        RecordingLoggingSystem.LEVELS.clear();
    }

    @AfterEach
    void restoreLoggingSystem() {
        if (previousLoggingSystem == null) {
            System.clearProperty(LoggingSystem.SYSTEM_PROPERTY);
        } else {
            System.setProperty(LoggingSystem.SYSTEM_PROPERTY, previousLoggingSystem);
        }
    }

    @Test
    void lettucesReconnectLogIsQuietByDefaultAndNoBallastLoggerIsTouched() {
        start();

        assertThat(RecordingLoggingSystem.LEVELS)
                .containsEntry(WATCHDOG, LogLevel.ERROR)
                .containsEntry(CLIENT, LogLevel.ERROR); // "Cannot connect Redis Sentinel at ...", per attempt
        assertThat(RecordingLoggingSystem.LEVELS.keySet())
                .noneMatch(logger -> logger.startsWith("dev.ballast") || logger.startsWith("ballast"));
    }

    @Test
    void theApplicationsLevelForTheWatchdogWins() {
        start("--logging.level." + WATCHDOG + "=warn");

        assertThat(RecordingLoggingSystem.LEVELS).containsEntry(WATCHDOG, LogLevel.WARN);
    }

    @Test
    void aLevelTheApplicationSetsForLettuceAsAWholeIsNotOverriddenForTheWatchdog() {
        start("--logging.level.io.lettuce=info");

        assertThat(RecordingLoggingSystem.LEVELS)
                .containsEntry("io.lettuce", LogLevel.INFO)
                .doesNotContainKey(WATCHDOG)
                .doesNotContainKey(CLIENT);
    }

    @Test
    void aLevelForTheProtocolPackageDropsOnlyTheWatchdogsDefault() {
        start("--logging.level.io.lettuce.core.protocol=debug");

        assertThat(RecordingLoggingSystem.LEVELS)
                .containsEntry("io.lettuce.core.protocol", LogLevel.DEBUG)
                .doesNotContainKey(WATCHDOG)
                .containsEntry(CLIENT, LogLevel.ERROR);
    }

    @Test
    void theApplicationsLevelForTheSentinelConnectionLineWins() {
        start("--logging.level." + CLIENT + "=warn");

        assertThat(RecordingLoggingSystem.LEVELS)
                .containsEntry(CLIENT, LogLevel.WARN)
                .containsEntry(WATCHDOG, LogLevel.ERROR);
    }

    private static void start(String... args) {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off")
                .run(args)) {
            assertThat(context.isActive()).isTrue();
        }
    }

    @SpringBootConfiguration
    static class App {}

    /** Boot's logging system for these tests: records each level Boot sets, configures nothing. */
    public static final class RecordingLoggingSystem extends LoggingSystem {

        static final Map<String, LogLevel> LEVELS = new ConcurrentHashMap<>();

        public RecordingLoggingSystem(ClassLoader classLoader) {}

        @Override
        public void beforeInitialize() {}

        @Override
        public void setLogLevel(String loggerName, LogLevel level) {
            if (loggerName != null && level != null) {
                LEVELS.put(loggerName, level);
            }
        }
    }
}
