package dev.ballast.boot.autoconfigure.redis;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Quiets Lettuce's reconnect log while Redis is down, as defaults at the lowest precedence: {@code
 * logging.level.io.lettuce.core.protocol.ConnectionWatchdog=error} and {@code logging.level.io.lettuce.core.RedisClient=error}.
 * Without the first, every Lettuce connection logs an INFO "Reconnecting" and a WARN "Cannot reconnect" on each attempt
 * for as long as the outage lasts (measured on the example: 16 WARN and 16 INFO lines in the first minute, then 8 and
 * 8 a minute, against Ballast's three lines for the whole outage). Without the second, behind Sentinel, every
 * connection attempt logs a WARN "Cannot connect Redis Sentinel at ..." per Sentinel it could not reach (that logger's
 * only line; Ballast's links try again every second, so several a second for as long as the Sentinels are unreachable
 * or refuse the Sentinel password). Ballast reports the
 * outage once, where an operator acts on it: the cache's breaker alert, the lock mode switch, and {@code
 * /actuator/health}. Ballast's own loggers are not touched. A {@code logging.level} the application sets for one of
 * these loggers wins, and that default is not added when it sets one for an enclosing package ({@code io.lettuce},
 * {@code io.lettuce.core}, ...); {@code ...ConnectionWatchdog=warn} and {@code ...RedisClient=warn} restore Lettuce's
 * lines. Runs after the application's configuration is loaded (Boot's config data post-processor comes first).
 * Registered in {@code META-INF/spring.factories}, so Boot's logging system applies it with the application's other
 * levels.
 */
final class LettuceLoggingDefaults implements EnvironmentPostProcessor {

    static final String SOURCE = "ballastLoggingDefaults";

    static final String WATCHDOG = "logging.level.io.lettuce.core.protocol.ConnectionWatchdog";

    /** The logger of Lettuce's client, whose one line is the failed connection to a Sentinel. */
    static final String CLIENT = "logging.level.io.lettuce.core.RedisClient";

    /**
     * Each default and the enclosing packages whose level, when the application sets one (Lettuce as a whole, say), is
     * its choice for that logger: no default then.
     */
    private static final Map<String, List<String>> DEFAULTS = Map.of(
            WATCHDOG,
            List.of(
                    "logging.level.io",
                    "logging.level.io.lettuce",
                    "logging.level.io.lettuce.core",
                    "logging.level.io.lettuce.core.protocol"),
            CLIENT,
            List.of("logging.level.io", "logging.level.io.lettuce", "logging.level.io.lettuce.core"));

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.getPropertySources().contains(SOURCE)) {
            return;
        }
        Map<String, Object> levels = new LinkedHashMap<>();
        DEFAULTS.forEach((logger, enclosing) -> {
            if (enclosing.stream().noneMatch(environment::containsProperty)) {
                levels.put(logger, "error");
            }
        });
        if (!levels.isEmpty()) {
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE, levels));
        }
    }
}
