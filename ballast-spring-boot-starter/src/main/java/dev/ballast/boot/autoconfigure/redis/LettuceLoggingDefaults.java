package dev.ballast.boot.autoconfigure.redis;

import java.util.List;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Quiets Lettuce's reconnect log while Redis is down, as a default at the lowest precedence: {@code
 * logging.level.io.lettuce.core.protocol.ConnectionWatchdog=error}. Without it every Lettuce connection logs an INFO
 * "Reconnecting" and a WARN "Cannot reconnect" on each attempt for as long as the outage lasts (measured on the example:
 * 16 WARN and 16 INFO lines in the first minute, then 8 and 8 a minute, against Ballast's three lines for the whole
 * outage), while Ballast reports the outage once, where an operator acts on it: the cache's breaker alert, the lock
 * mode switch, and {@code /actuator/health}. Ballast's own loggers are not touched. A {@code logging.level} the
 * application sets for that logger wins, and none is added when it sets one for {@code io.lettuce} (or {@code
 * io.lettuce.core}, ...); {@code ...ConnectionWatchdog=warn} restores Lettuce's lines. Runs after the application's
 * configuration is loaded (Boot's config data post-processor comes first). Registered in {@code META-INF/spring.factories}, so Boot's logging system applies it with the application's
 * other levels.
 */
final class LettuceLoggingDefaults implements EnvironmentPostProcessor {

    static final String SOURCE = "ballastLoggingDefaults";

    static final String WATCHDOG = "logging.level.io.lettuce.core.protocol.ConnectionWatchdog";

    /** A level the application set for one of these (Lettuce as a whole, say) is its choice: no default then. */
    private static final List<String> ANCESTORS = List.of(
            "logging.level.io",
            "logging.level.io.lettuce",
            "logging.level.io.lettuce.core",
            "logging.level.io.lettuce.core.protocol");

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (ANCESTORS.stream().anyMatch(environment::containsProperty)) {
            return;
        }
        if (!environment.getPropertySources().contains(SOURCE)) {
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(WATCHDOG, "error")));
        }
    }
}
