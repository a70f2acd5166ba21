package dev.ballast.alert.alertmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.alert.AlertStatus;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertmanagerWebhookTest {

    private static final String PAYLOAD = """
            {"version":"4","groupKey":"{}:{alertname=\\"BallastOutboxDeadLetters\\"}","truncatedAlerts":0,
             "status":"firing","receiver":"ballast-critical","groupLabels":{"alertname":"BallastOutboxDeadLetters"},
             "commonLabels":{},"commonAnnotations":{},"externalURL":"http://am:9093",
             "alerts":[
              {"status":"firing","labels":{"alertname":"BallastOutboxDeadLetters","severity":"critical",
                "fingerprint":"outbox-dead-letters","module":"outbox","job":"brokerage"},
               "annotations":{"summary":"Outbox dead letters: 1 unresolved","description":"blocked",
                "runbook_url":"docs/runbooks.md#ballastoutboxdeadletters","action":"outbox.replay-dead-letters"},
               "startsAt":"2026-11-30T10:00:00Z","endsAt":"0001-01-01T00:00:00Z",
               "generatorURL":"http://prom:9090/graph?g0.expr=x","fingerprint":"a1b2c3"},
              {"status":"resolved","labels":{"alertname":"Other","severity":"info"},"annotations":{},
               "startsAt":"2026-11-30T09:00:00Z","endsAt":"2026-11-30T09:30:00Z","generatorURL":"","fingerprint":"ffff"}
             ]}
            """;

    @Test
    void aPrometheusAlertBecomesAnAlertWithTheRulesFingerprintLinksAndOperation() {
        List<Alert> alerts = AlertmanagerWebhook.parse(PAYLOAD.getBytes(StandardCharsets.UTF_8));

        assertThat(alerts).hasSize(2);
        Alert dlq = alerts.get(0);
        assertThat(dlq.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(dlq.title()).isEqualTo("Outbox dead letters: 1 unresolved");
        assertThat(dlq.fingerprint()).isEqualTo("outbox-dead-letters");
        assertThat(dlq.labels())
                .containsEntry("source", "prometheus")
                .containsEntry("module", "outbox")
                .containsEntry("runbook", "docs/runbooks.md#ballastoutboxdeadletters")
                .doesNotContainKey("fingerprint");
        assertThat(AlertStatus.isResolved(dlq)).isFalse();
        assertThat(dlq.actions()).extracting(a -> a.label()).containsExactly("Prometheus", "Replay dead letters");
        assertThat(dlq.actions().get(1).operationName()).isEqualTo("outbox.replay-dead-letters");

        Alert other = alerts.get(1);
        assertThat(other.severity()).isEqualTo(Severity.INFO);
        assertThat(other.fingerprint()).isEqualTo("alertmanager|ffff");
        assertThat(AlertStatus.isResolved(other)).isTrue();
    }

    @Test
    void aRulesActionArgumentsBecomeTheButtonsArgumentsAndMalformedOnesNoButton() {
        // found by a black-box check: the cache breaker rule's alert arrived as its own message with no button, though
        // the runbook promised one message with "Close the breaker"
        String payload = """
                {"version":"4","alerts":[
                  {"status":"firing","labels":{"alertname":"BallastCacheRedisBreakerOpen","severity":"warning",
                    "fingerprint":"ballast-cache-l2|quotes","cache":"quotes"},
                   "annotations":{"summary":"Cache quotes: Redis L2 breaker open","action":"cache.breaker",
                    "action_arguments":"cache=quotes, state=closed"}},
                  {"status":"firing","labels":{"alertname":"BallastLockLeaseLost","severity":"warning"},
                   "annotations":{"summary":"Lock leases lost","action":"lock.mode","action_arguments":"mode=FALLBACK"}},
                  {"status":"firing","labels":{"alertname":"Odd","severity":"warning"},
                   "annotations":{"summary":"odd","action":"cache.breaker","action_arguments":"cache=a b;state=closed"}}
                ]}
                """;
        List<Alert> alerts = AlertmanagerWebhook.parse(payload.getBytes(StandardCharsets.UTF_8));

        assertThat(alerts.get(0).fingerprint()).isEqualTo("ballast-cache-l2|quotes");
        assertThat(alerts.get(0).actions()).singleElement().satisfies(button -> {
            assertThat(button.label()).isEqualTo("Close the breaker");
            assertThat(button.operationName()).isEqualTo("cache.breaker");
            assertThat(button.arguments())
                    .containsExactlyInAnyOrderEntriesOf(Map.of("cache", "quotes", "state", "closed"));
        });
        assertThat(alerts.get(1).actions()).singleElement().satisfies(button -> {
            assertThat(button.label()).isEqualTo("Switch locks to the database");
            assertThat(button.arguments()).containsExactlyEntriesOf(Map.of("mode", "FALLBACK"));
        });
        assertThat(alerts.get(2).actions()).as("malformed arguments: no button").isEmpty();
    }

    @Test
    void aPoolButtonBoundByTheRuleToAGeneratedInstanceNameKeepsItsButton() {
        // found reviewing the change that binds the pool saturation rule's button: a generated ballast.instance-name
        // (<pid>@<host>-<hex>) has an '@', which the argument pattern refused, so the default setup lost the button
        String payload = """
                {"version":"4","alerts":[
                  {"status":"firing","labels":{"alertname":"BallastExecutorPoolSaturated","severity":"warning",
                    "instance":"10.0.0.7:8080","instance_name":"4711@brokerage-7d9f-xk2pq-1a2b3c4d",
                    "name":"marketDataBulkhead"},
                   "annotations":{"summary":"Executor pool marketDataBulkhead at 100% of its maximum",
                    "action":"executor.resize",
                    "action_arguments":"pool=marketDataBulkhead,instance=4711@brokerage-7d9f-xk2pq-1a2b3c4d"}}
                ]}
                """;
        List<Alert> alerts = AlertmanagerWebhook.parse(payload.getBytes(StandardCharsets.UTF_8));

        assertThat(alerts.get(0).actions()).singleElement().satisfies(button -> {
            assertThat(button.label()).isEqualTo("Raise the pool");
            assertThat(button.arguments())
                    .containsExactlyInAnyOrderEntriesOf(
                            Map.of("pool", "marketDataBulkhead", "instance", "4711@brokerage-7d9f-xk2pq-1a2b3c4d"));
        });
    }

    @Test
    void anInstanceNameWithAnInnerSpaceKeepsItsPoolButtonAndAValueWithOtherCharactersLosesIt() {
        // found by a black-box check: ballast.instance-name "inst d" starts, and its pool button vanished silently
        String payload = """
                {"version":"4","alerts":[
                  {"status":"firing","labels":{"alertname":"BallastExecutorPoolSaturated","severity":"warning"},
                   "annotations":{"summary":"s","action":"executor.resize",
                    "action_arguments":"pool=marketDataBulkhead,instance=inst d"}},
                  {"status":"firing","labels":{"alertname":"BallastExecutorPoolSaturated","severity":"warning"},
                   "annotations":{"summary":"s","action":"executor.resize",
                    "action_arguments":"pool=marketDataBulkhead,instance=inst\u00e9"}}
                ]}
                """;
        List<Alert> alerts = AlertmanagerWebhook.parse(payload.getBytes(StandardCharsets.UTF_8));

        assertThat(alerts.get(0).actions()).singleElement().satisfies(button -> assertThat(button.arguments())
                .containsExactlyInAnyOrderEntriesOf(Map.of("pool", "marketDataBulkhead", "instance", "inst d")));
        assertThat(alerts.get(1).actions())
                .as("no button, and a WARN saying why")
                .isEmpty();
    }

    @Test
    void aButtonWhoseArgumentsNoLabelKnowsIsNamedAsTheRuleWroteItNotAsAMoveBackToRedis() {
        // found by a black-box check: action_arguments mode=BOGUS made a button labelled "Move locks back to Redis"
        String payload = """
                {"version":"4","alerts":[
                  {"status":"firing","labels":{"alertname":"A","severity":"warning"},
                   "annotations":{"summary":"a","action":"lock.mode","action_arguments":"mode=BOGUS"}},
                  {"status":"firing","labels":{"alertname":"B","severity":"warning"},
                   "annotations":{"summary":"b","action":"lock.mode","action_arguments":"mode=primary"}},
                  {"status":"firing","labels":{"alertname":"C","severity":"warning"},
                   "annotations":{"summary":"c","action":"cache.breaker","action_arguments":"cache=q"}}
                ]}
                """;
        List<Alert> alerts = AlertmanagerWebhook.parse(payload.getBytes(StandardCharsets.UTF_8));

        assertThat(alerts.get(0).actions()).singleElement().satisfies(button -> assertThat(button.label())
                .isEqualTo("lock.mode mode=BOGUS"));
        assertThat(alerts.get(1).actions()).singleElement().satisfies(button -> assertThat(button.label())
                .isEqualTo("Move locks back to Redis"));
        assertThat(alerts.get(2).actions()).singleElement().satisfies(button -> assertThat(button.label())
                .isEqualTo("cache.breaker cache=q"));
    }

    @Test
    void anythingElseIsRefusedSayingWhy() {
        assertThatThrownBy(() -> AlertmanagerWebhook.parse("nope".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("Alertmanager payload is not JSON");
        assertThatThrownBy(() ->
                        AlertmanagerWebhook.parse("{\"version\":\"3\",\"alerts\":[]}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("\"version\": \"4\"");
        assertThatThrownBy(() -> AlertmanagerWebhook.parse("{\"version\":\"4\"}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("\"alerts\"");
        // found by a black-box check: {"alertname":"X","alertname":"Y"} was fingerprinted as Y, "status" twice as the
        // last
        assertThatThrownBy(() -> AlertmanagerWebhook.parse(
                        ("{\"version\":\"4\",\"status\":\"firing\",\"status\":\"resolved\",\"alerts\":[]}")
                                .getBytes(StandardCharsets.UTF_8)))
                .hasMessage("Alertmanager payload names a field twice in one object");
    }

    @Test
    void anEntryThatIsNotAnAlertAsAlertmanagerSendsItIsRefusedNotSentToChat() {
        // found by a black-box check: each of these was answered 200 and posted as "3 alerts (module=): ..."
        Map<String, String> refused = Map.of(
                "[null]", "alerts[0] is not an object",
                "[1]", "alerts[0] is not an object",
                "[{\"labels\":{\"alertname\":\"A\"}}, {\"status\":\"firing\"}]", "alerts[1].labels is missing",
                "[{\"labels\":{\"alertname\":5,\"severity\":\"critical\"}}]",
                        "alerts[0].labels.alertname must be a string, was NUMBER",
                "[{\"labels\":{\"alertname\":\"A\",\"severity\":[\"x\"]}}]",
                        "alerts[0].labels.severity must be a string, was ARRAY",
                "[{\"labels\":[]}]", "alerts[0].labels must be an object",
                "[{\"labels\":{\"alertname\":\"A\"},\"annotations\":{\"summary\":{}}}]",
                        "alerts[0].annotations.summary must be a string",
                "[{\"labels\":{\"alertname\":\"A\"},\"status\":\"boom\"}]",
                        "alerts[0].status must be \"firing\" or \"resolved\"",
                "[{\"labels\":{\"alertname\":\"A\"},\"fingerprint\":7}]", "alerts[0].fingerprint must be a string");
        refused.forEach((alerts, why) -> assertThatThrownBy(() -> AlertmanagerWebhook.parse(
                        ("{\"version\":\"4\",\"alerts\":" + alerts + "}").getBytes(StandardCharsets.UTF_8)))
                .as(alerts)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(why));

        assertThat(AlertmanagerWebhook.parse(
                        "{\"version\":\"4\",\"status\":\"resolved\",\"alerts\":[{\"status\":\"resolved\",\"labels\":{\"alertname\":\"A\"},\"annotations\":{},\"startsAt\":\"2026-12-06T01:00:00Z\",\"endsAt\":\"2026-12-06T01:05:00Z\",\"generatorURL\":\"\",\"fingerprint\":\"abc\"}]}"
                                .getBytes(StandardCharsets.UTF_8)))
                .as("what Alertmanager sends is read")
                .hasSize(1);
    }
}
