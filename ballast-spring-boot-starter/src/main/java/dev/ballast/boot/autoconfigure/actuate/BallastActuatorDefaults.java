package dev.ballast.boot.autoconfigure.actuate;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Defaults Ballast needs from the actuator, at the lowest precedence (any value the application sets wins): the
 * {@code DEGRADED} status ordered between {@code OUT_OF_SERVICE} and {@code UP} and mapped to HTTP 200 (with Boot's own
 * 503 for {@code DOWN} and {@code OUT_OF_SERVICE} restated: a configured mapping replaces Boot's defaults, so without
 * them a DOWN instance would answer 200), and the
 * {@code outbox} endpoint read-only (its replay and discard operations need {@code
 * management.endpoint.outbox.access=unrestricted}), and so the {@code ballastactions} endpoint (signing a link needs
 * {@code management.endpoint.ballastactions.access=unrestricted}) and the {@code ballastsilences} endpoint (adding or
 * ending a silence needs {@code management.endpoint.ballastsilences.access=unrestricted}: a silence can mute every
 * alert). An application that sets its own {@code
 * management.endpoint.health.status.order} must list {@code DEGRADED} in it, or Boot ignores that status.
 */
final class BallastActuatorDefaults implements EnvironmentPostProcessor {

    static final String SOURCE = "ballastActuatorDefaults";

    static final Map<String, Object> DEFAULTS = Map.of(
            "management.endpoint.health.status.order", "DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN",
            "management.endpoint.health.status.http-mapping.degraded", "200",
            "management.endpoint.health.status.http-mapping.down", "503",
            "management.endpoint.health.status.http-mapping.out-of-service", "503",
            "management.endpoint.outbox.access", "read-only",
            "management.endpoint.ballastactions.access", "read-only",
            "management.endpoint.ballastsilences.access", "read-only");

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.getPropertySources().contains(SOURCE)) {
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE, DEFAULTS));
        }
    }
}
