package dev.ballast.core.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.ballast.core.TaskContext;
import dev.ballast.test.LogCapture;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AlertTest {

    @RegisterExtension
    final LogCapture logs = LogCapture.of("ballast.alert");

    @Test
    void theDefaultFingerprintIdentifiesSeverityTitleAndTask() {
        Alert alert = Alert.builder(Severity.WARNING, "Redis circuit open")
                .context(new TaskContext("Cache", "Get", "k1"))
                .label("module", "cache")
                .action(new AlertAction("Runbook", URI.create("https://runbooks.example/redis")))
                .build();

        assertThat(alert.fingerprint()).isEqualTo("WARNING|Redis circuit open|Cache|Get");
        assertThat(alert.labels()).containsEntry("module", "cache");
        assertThat(alert.actions()).hasSize(1);
    }

    @Test
    void rejectsABlankTitleAndNonHttpActions() {
        assertThatThrownBy(() -> Alert.builder(Severity.INFO, " ").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("title");
        assertThatThrownBy(() -> new AlertAction("Open", URI.create("javascript:alert(1)")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("http(s)");
    }

    @Test
    void theLoggingSinkLogsCriticalAtError() {
        AlertSink.logging()
                .send(Alert.builder(Severity.CRITICAL, "Outbox integrity violation")
                        .detail("event 7")
                        .build());

        assertThat(logs.events()).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.ERROR);
            assertThat(e.getFormattedMessage()).isEqualTo("[CRITICAL] Outbox integrity violation: event 7");
        });
    }
}
