package dev.ballast.boot.autoconfigure.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * With {@code show-values=always} Spring Boot shows every value as it is; found by a black-box check: the outbox's HMAC
 * key, the database password (as a property and inside the JDBC URL) and the Redis password inside its URL were shown
 * in plain text by {@code /actuator/env} and {@code /actuator/configprops}.
 */
class SecretSanitizerTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BallastActuatorAutoConfiguration.class));

    @Test
    void secretsAndUrlPasswordsAreMaskedInTheEnvEndpointShowingValuesAndTheRestStaysReadable() {
        runner.run(context -> {
            SanitizingFunction sanitizer = context.getBean("ballastSecretSanitizer", SanitizingFunction.class);
            StandardEnvironment environment = new StandardEnvironment();
            environment.getPropertySources().stream()
                    .map(source -> source.getName())
                    .toList()
                    .forEach(environment.getPropertySources()::remove);
            environment
                    .getPropertySources()
                    .addFirst(new SystemEnvironmentPropertySource(
                            "systemEnvironment",
                            Map.of(
                                    "BALLAST_OUTBOX_INTEGRITY_KEYS_1", "Sekr3t-outbox-key",
                                    "SPRING_DATASOURCE_PASSWORD", "Sekr3t-db",
                                    "SPRING_DATASOURCE_URL",
                                            "jdbc:mariadb://db:3306/orders?user=app&password=Sekr3t-url&sslMode=trust",
                                    "SPRING_DATA_REDIS_URL", "redis://default:Sekr3t-redis@cache:6379/0",
                                    "SPRING_RABBITMQ_ADDRESSES", "amqp://guest:Sekr3t-amqp@mq:5672",
                                    "SPRING_DATASOURCE_USERNAME", "app")));
            environment
                    .getPropertySources()
                    .addFirst(new MapPropertySource(
                            "yaml",
                            Map.of(
                                    "ballast.outbox.integrity.keys[2]", "Sekr3t-outbox-key-2",
                                    "spring.datasource.hikari.password", "Sekr3t-hikari",
                                    "ballast.alert.alertmanager.token", "Sekr3t-token",
                                    "app.h2", "jdbc:h2:mem:x;USER=sa;PASSWORD=Sekr3t-h2",
                                    "ballast.outbox.integrity.current-key-version", "2",
                                    "ballast.alert.actions.current-key", "k2",
                                    "spring.data.redis.repositories.enabled", "false")));
            EnvironmentEndpoint endpoint = new EnvironmentEndpoint(environment, List.of(sanitizer), Show.ALWAYS);

            List<String> shown = new ArrayList<>();
            endpoint.environment(null).getPropertySources().forEach(source -> source.getProperties()
                    .forEach((name, value) -> shown.add(name + "=" + value.getValue())));

            assertThat(shown).hasSize(13).noneMatch(line -> line.contains("Sekr3t"));
            assertThat(shown)
                    .contains(
                            "SPRING_DATASOURCE_USERNAME=app",
                            "SPRING_DATASOURCE_URL=jdbc:mariadb://db:3306/orders?user=app&password=******&sslMode=trust",
                            "SPRING_DATA_REDIS_URL=redis://default:******@cache:6379/0",
                            "SPRING_RABBITMQ_ADDRESSES=amqp://guest:******@mq:5672",
                            "app.h2=jdbc:h2:mem:x;USER=sa;PASSWORD=******",
                            "ballast.outbox.integrity.current-key-version=2",
                            "ballast.alert.actions.current-key=k2",
                            "spring.data.redis.repositories.enabled=false");
        });
    }

    @Test
    void configurationPropertiesAreMaskedByTheirQualifiedNames() {
        SecretSanitizer sanitizer = new SecretSanitizer();

        assertThat(sanitizer
                        .apply(new SanitizableData(null, "ballast.outbox.integrity.keys.1", "Sekr3t"))
                        .getValue())
                .isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitizer
                        .apply(new SanitizableData(
                                null,
                                "spring.datasource.hikari.jdbc-url",
                                "jdbc:postgresql:" + "//db/orders?password=Sekr3t"))
                        .getValue())
                .isEqualTo("jdbc:postgresql://db/orders?password=******");
        assertThat(sanitizer
                        .apply(new SanitizableData(null, "ballast.outbox.integrity.mode", "HMAC"))
                        .getValue())
                .isEqualTo("HMAC");
        assertThat(sanitizer
                        .apply(new SanitizableData(
                                null,
                                "sun.java.command",
                                "app.jar --server.port=8080 --spring.datasource.password=Sekr3t-arg"
                                        + " --spring.data.redis.url=redis://u:Sekr3t-url@h:6379"))
                        .getValue())
                .as("the command line, as the system property shows it")
                .isEqualTo("app.jar --server.port=8080 --spring.datasource.password=******"
                        + " --spring.data.redis.url=redis://u:******@h:6379");
        assertThat(sanitizer
                        .apply(new SanitizableData(null, "management.server.base-path", "http://host:8080/a@b"))
                        .getValue())
                .as("no user information: nothing to mask")
                .isEqualTo("http://host:8080/a@b");
    }
}
