package dev.ballast.alert.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.alert.Message;
import dev.ballast.core.TaskContext;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessageTextTest {

    private static final Instant NOW = Instant.parse("2026-12-06T02:00:00Z");

    private static Alert pool(String pool, String instance) {
        return Alert.builder(Severity.CRITICAL, "Executor pool " + pool + " saturated on " + instance)
                .fingerprint("executor-pool|" + pool + "|" + instance)
                .label("module", "executor")
                .label("pool", pool)
                .label("instance_name", instance)
                .context(new TaskContext("MarketData", "Quote", instance))
                .build();
    }

    private static Message firing(String title, List<Alert> alerts) {
        return new Message(Message.Kind.FIRING, Severity.CRITICAL, title, alerts, 0, Duration.ZERO, List.of(), NOW);
    }

    @Test
    void aGroupedMessagesFieldsShowEveryAlertsValuesNotOnlyTheFirsts() {
        // found by a black-box check: a grouped message about inst-a and inst-b showed "instance_name: inst-a" only
        Message grouped = firing(
                "3 alerts (executor): Executor pool marketData saturated on inst-a",
                List.of(pool("marketData", "inst-a"), pool("marketData", "inst-b"), pool("settlement", "inst-a")));

        // an alert's labels have no order of their own; each label's values are in the order of the alerts
        assertThat(MessageText.fields(grouped))
                .containsOnly(
                        Map.entry("module", "executor"),
                        Map.entry("pool", "marketData, settlement"),
                        Map.entry("instance_name", "inst-a, inst-b"),
                        Map.entry("task", "MarketData.Quote[inst-a], MarketData.Quote[inst-b]"),
                        Map.entry("alerts", "3"),
                        Map.entry(
                                "fingerprints",
                                "executor-pool|marketData|inst-a, executor-pool|marketData|inst-b,"
                                        + " executor-pool|settlement|inst-a"));
    }

    @Test
    void chatAndTheLogListTheFirstTwentyAlertsOfALargeGroupAndCountTheRest() {
        List<Alert> alerts = new java.util.ArrayList<>();
        for (int i = 0; i < 25; i++) {
            alerts.add(pool("pool" + i, "inst-a"));
        }
        Message grouped = firing("25 alerts (executor): Executor pool pool0 saturated on inst-a", alerts);

        List<String> lines = MessageText.detail(grouped).lines().toList();
        assertThat(lines).hasSize(21);
        assertThat(lines.get(19)).isEqualTo("\u2022 [CRITICAL] Executor pool pool19 saturated on inst-a");
        assertThat(lines.get(20)).isEqualTo("\u2022 \u2026 and 5 more in this group");
        assertThat(MessageText.fields(grouped))
                .containsEntry("alerts", "25")
                .hasEntrySatisfying(
                        "pool",
                        pools -> assertThat(pools.split(", ")).hasSize(20).doesNotContain("pool20"));
    }

    @Test
    void aSingleAlertsFieldsAreItsOwn() {
        Message single = firing("Executor pool marketData saturated on inst-a", List.of(pool("marketData", "inst-a")));

        assertThat(MessageText.fields(single))
                .containsOnly(
                        Map.entry("module", "executor"),
                        Map.entry("pool", "marketData"),
                        Map.entry("instance_name", "inst-a"),
                        Map.entry("task", "MarketData.Quote[inst-a]"),
                        Map.entry("fingerprint", "executor-pool|marketData|inst-a"));
    }
}
