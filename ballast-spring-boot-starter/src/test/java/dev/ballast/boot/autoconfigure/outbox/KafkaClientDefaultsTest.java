package dev.ballast.boot.autoconfigure.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** The Kafka client defaults land at the lowest precedence and give way to anything the application sets. */
class KafkaClientDefaultsTest {

    @Test
    void springsAdminClientsDoNotReBootstrapAndTheMetadataLoggerIsAtWarnByDefault() {
        StandardEnvironment environment = environment(Map.of());

        assertThat(adminProperties(environment)).containsEntry("metadata.recovery.strategy", "none");
        assertThat(environment.getProperty("logging.level.org.apache.kafka.clients.Metadata"))
                .isEqualTo("warn");
    }

    @Test
    void theApplicationsAdminPropertiesAreKeptAndMergedWithTheDefault() {
        StandardEnvironment environment =
                environment(Map.of("spring.kafka.admin.properties[request.timeout.ms]", "7000"));

        assertThat(adminProperties(environment))
                .containsEntry("request.timeout.ms", "7000")
                .containsEntry("metadata.recovery.strategy", "none");
    }

    @Test
    void theApplicationsOwnRecoveryStrategyAndLogLevelsWin() {
        StandardEnvironment environment = environment(Map.of(
                "spring.kafka.admin.properties[metadata.recovery.strategy]", "rebootstrap",
                "logging.level.org.apache.kafka", "info"));

        assertThat(adminProperties(environment)).containsEntry("metadata.recovery.strategy", "rebootstrap");
        assertThat(environment.getProperty("logging.level.org.apache.kafka.clients.Metadata"))
                .isNull();
    }

    private static StandardEnvironment environment(Map<String, Object> application) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("application", application));
        new KafkaClientDefaults().postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }

    private static Map<String, String> adminProperties(StandardEnvironment environment) {
        return Binder.get(environment)
                .bind("spring.kafka.admin.properties", Bindable.mapOf(String.class, String.class))
                .orElse(Map.of());
    }
}
