package dev.ballast.core.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.ballast.core.TaskContext;
import dev.ballast.test.LogCapture;
import java.net.URI;
import java.util.Map;
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
    void anOperationActionCarriesItsNameAndArgumentsThroughItsAddress() {
        AlertAction replay = AlertAction.operation("Replay", "outbox.replay", Map.of("event", "e 1&2", "by", "x=y"));

        assertThat(replay.isOperation()).isTrue();
        assertThat(replay.url().toString()).isEqualTo("ballast-action:outbox.replay?by=x%3Dy&event=e+1%262");
        assertThat(replay.operationName()).isEqualTo("outbox.replay");
        assertThat(replay.arguments()).containsExactly(Map.entry("by", "x=y"), Map.entry("event", "e 1&2"));
        assertThat(new AlertAction("Runbook", URI.create("https://r.example/x")).isOperation())
                .isFalse();
        assertThatThrownBy(() -> AlertAction.operation("Replay", "bad name", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bad name'");
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

    @Test
    void aResolvedFormKeepsTheConditionsIdentityDropsItsActionsAndIsLoggedAtInfo() {
        Alert firing = Alert.builder(Severity.WARNING, "Cache 'quotes': Redis L2 unavailable")
                .detail("Breaker open")
                .fingerprint("ballast-cache-l2|quotes")
                .label("module", "cache")
                .action(new AlertAction("Runbook", URI.create("https://runbooks.example/redis")))
                .build();

        Alert resolved = firing.resolved("Redis L2 is back");

        assertThat(firing.isResolved()).isFalse();
        assertThat(resolved.isResolved()).isTrue();
        assertThat(resolved.severity()).isEqualTo(Severity.WARNING);
        assertThat(resolved.title()).isEqualTo(firing.title());
        assertThat(resolved.fingerprint()).isEqualTo("ballast-cache-l2|quotes");
        assertThat(resolved.labels())
                .containsEntry("module", "cache")
                .containsEntry(Alert.STATUS_LABEL, Alert.RESOLVED);
        assertThat(resolved.actions()).isEmpty();
        assertThat(resolved.detail()).isEqualTo("Redis L2 is back");

        AlertSink.logging().send(resolved);
        assertThat(logs.events()).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.INFO);
            assertThat(e.getFormattedMessage())
                    .isEqualTo("[RESOLVED WARNING] Cache 'quotes': Redis L2 unavailable: Redis L2 is back");
        });
    }
}
