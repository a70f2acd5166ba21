package dev.ballast.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertRouterTest {

    /** A channel that keeps what it is given. */
    static class Recording implements Channel {
        final List<Message> messages = new CopyOnWriteArrayList<>();
        private final String name;

        Recording(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Kind kind() {
            return Kind.CHAT;
        }

        @Override
        public DeliveryResult deliver(Message message) {
            messages.add(message);
            return DeliveryResult.delivered();
        }
    }

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void aHeartbeatGoesToItsChannelEveryIntervalAndIsRecordedForTheDeadMansSwitch() {
        Recording chat = new Recording("chat");
        try (AlertRouter router = AlertRouter.builder()
                .clock(clock)
                .meterRegistry(registry)
                .channel(chat)
                .heartbeat(Duration.ofMinutes(1), "chat")
                .service("brokerage")
                .manual()
                .build()) {
            router.dispatchPending(true);
            clock.advance(Duration.ofSeconds(59));
            router.dispatchPending(true);
            clock.advance(Duration.ofSeconds(1));
            router.dispatchPending(true);

            await().atMost(Duration.ofSeconds(5)).until(() -> chat.messages.size() == 2);
            assertThat(chat.messages).allSatisfy(m -> assertThat(m.kind()).isEqualTo(Message.Kind.HEARTBEAT));
            assertThat(registry.get("ballast.alert.heartbeat.timestamp").gauge().value())
                    .isEqualTo(clock.instant().getEpochSecond());
            assertThat(registry.get("ballast.alert.heartbeats").counter().count())
                    .isEqualTo(2);
        }
    }

    @Test
    void operationsAreSignedIntoLinksOrLeftOut() {
        Recording chat = new Recording("chat");
        AlertAction replay = AlertAction.operation("Replay", "outbox.replay-dead-letters", Map.of());
        AlertAction runbook = new AlertAction("Runbook", URI.create("https://runbooks.example/dlq"));
        try (AlertRouter router = AlertRouter.builder()
                .clock(clock)
                .channel(chat)
                .route(new Route("all", java.util.Set.of(), Map.of(), List.of("chat"), false, List.of(), Duration.ZERO))
                .actionLinker((alert, op) -> op.operationName().equals("outbox.replay-dead-letters")
                        ? Optional.of(new AlertAction(op.label(), URI.create("https://svc.example/ballast/actions/T")))
                        : Optional.empty())
                .manual()
                .build()) {
            router.send(Alert.builder(Severity.CRITICAL, "Dead letters")
                    .fingerprint("dlq")
                    .action(replay)
                    .action(runbook)
                    .action(AlertAction.operation("Unknown", "nope", Map.of()))
                    .build());
            router.dispatchPending(false);

            await().atMost(Duration.ofSeconds(5)).until(() -> chat.messages.size() == 1);
            assertThat(chat.messages.get(0).actions())
                    .extracting(a -> a.url().toString())
                    .containsExactly("https://svc.example/ballast/actions/T", "https://runbooks.example/dlq");
        }
    }

    /** Every alert to {@code channel} at once (no group wait). */
    private static Route now(Channel channel) {
        return new Route("all", java.util.Set.of(), Map.of(), List.of(channel.name()), false, List.of(), Duration.ZERO);
    }

    @Test
    void twoInstancesMessagesAboutOneConditionNameTheInstanceThatSentThemResolvedOnesToo() {
        Recording chat = new Recording("chat");
        Alert redisDown = Alert.builder(Severity.WARNING, "Redis L2 unavailable")
                .fingerprint("cache-breaker|quotes")
                .build();
        for (String instance : List.of("inst-a", "inst-b")) {
            try (AlertRouter router = AlertRouter.builder()
                    .clock(clock)
                    .channel(chat)
                    .route(now(chat))
                    .heartbeat(Duration.ofMinutes(1), "chat")
                    .instance(instance)
                    .manual()
                    .build()) {
                router.dispatchPending(true);
                router.send(redisDown);
                router.dispatchPending(false);
                router.send(AlertStatus.resolved(redisDown));
                router.dispatchPending(false);
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> chat.messages.stream()
                                        .filter(m -> instance.equals(m.instance()))
                                        .count()
                                == 3);
            }
        }

        assertThat(chat.messages)
                .extracting(m -> m.kind() + " " + m.instance())
                .containsExactlyInAnyOrder(
                        "HEARTBEAT inst-a",
                        "FIRING inst-a",
                        "RESOLVED inst-a",
                        "HEARTBEAT inst-b",
                        "FIRING inst-b",
                        "RESOLVED inst-b");
    }

    @Test
    void aRouterGivenNoInstanceNameSendsMessagesNamingNone() {
        Recording chat = new Recording("chat");
        try (AlertRouter router = AlertRouter.builder()
                .clock(clock)
                .channel(chat)
                .route(now(chat))
                .manual()
                .build()) {
            router.send(Alert.builder(Severity.WARNING, "Redis L2 unavailable")
                    .fingerprint("cache-breaker|quotes")
                    .build());
            router.dispatchPending(true);
            await().atMost(Duration.ofSeconds(5)).until(() -> chat.messages.size() == 1);
            assertThat(chat.messages.get(0).instance()).isNull();
        }
    }

    @Test
    void anInstanceNameNoInstanceCanHaveIsRefusedWhenTheRouterIsBuilt() {
        for (String bad : new String[] {"", " ", " inst-a", "inst-a ", "inst\na", "x".repeat(101)}) {
            assertThatThrownBy(() -> AlertRouter.builder().instance(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1 to 100 printable characters");
        }
        assertThat(AlertRouter.builder().instance("x".repeat(100))).isNotNull();
    }

    @Test
    void aFullIntakeDropsAndCountsInfoButKeepsEveryCritical() {
        Recording chat = new Recording("chat");
        try (AlertRouter router = AlertRouter.builder()
                .clock(clock)
                .meterRegistry(registry)
                .channel(chat, ChannelSettings.DEFAULTS.withRate(10_000, 10_000))
                .route(new Route("all", java.util.Set.of(), Map.of(), List.of("chat"), false, List.of(), Duration.ZERO))
                .intakeCapacity(100)
                .manual()
                .build()) {
            for (int i = 0; i < 150; i++) {
                router.send(Alert.builder(Severity.INFO, "info")
                        .fingerprint("i" + i)
                        .build());
            }
            for (int i = 0; i < 50; i++) {
                router.send(Alert.builder(Severity.CRITICAL, "critical")
                        .fingerprint("c" + i)
                        .build());
            }
            router.dispatchPending(false);

            await().atMost(Duration.ofSeconds(5)).until(() -> chat.messages.size() == 150);
            assertThat(chat.messages.stream().filter(m -> m.severity() == Severity.CRITICAL))
                    .hasSize(50);
            assertThat(registry.get("ballast.alert.dropped")
                            .tag("severity", "INFO")
                            .counter()
                            .count())
                    .isEqualTo(50);
        }
    }

    @Test
    void alertsHeldForGroupingWhenTheRouterClosesAreStillSent() {
        Recording chat = new Recording("chat");
        AlertRouter router = AlertRouter.builder()
                .clock(clock)
                .meterRegistry(registry)
                .channel(chat)
                .route(new Route(
                        "grouped",
                        java.util.Set.of(),
                        Map.of(),
                        List.of("chat"),
                        false,
                        List.of("module"),
                        Duration.ofMinutes(1)))
                .manual()
                .build();
        router.send(Alert.builder(Severity.CRITICAL, "Dead letters")
                .fingerprint("dlq")
                .label("module", "outbox")
                .build());
        router.send(Alert.builder(Severity.WARNING, "Backlog")
                .fingerprint("backlog")
                .label("module", "outbox")
                .build());
        router.dispatchPending(false);
        assertThat(chat.messages).isEmpty(); // waiting out the group wait

        router.close(); // a shutdown within the group wait (the example's SIGTERM, a redeploy)

        assertThat(chat.messages).singleElement().satisfies(message -> {
            assertThat(message.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(message.alerts()).extracting(Alert::fingerprint).containsExactly("dlq", "backlog");
        });
    }

    @Test
    void aStormReachesTheFileAndTheLogInSecondsNotAtAChatWebhooksPace(@TempDir Path dir) throws IOException {
        Path alerts = dir.resolve("alerts.jsonl");
        try (AlertRouter router = AlertRouter.builder()
                .clock(clock)
                .meterRegistry(registry)
                .channel(Channel.file("file", alerts, 10_000_000, 1))
                .channel(Channel.log("log"))
                .route(new Route(
                        "all", java.util.Set.of(), Map.of(), List.of("file", "log"), false, List.of(), Duration.ZERO))
                .manual()
                .build()) {
            for (int i = 0; i < 300; i++) {
                router.send(Alert.builder(Severity.CRITICAL, "Storm " + i)
                        .fingerprint("storm-" + i)
                        .build());
            }
            router.dispatchPending(false);

            // with a chat channel's default (1 a second after a burst of 5) this takes about five minutes
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> Files.exists(alerts)
                            && Files.readAllLines(alerts).size() == 300
                            && delivered("log") == 300);
        }
        assertThat(Files.readAllLines(alerts))
                .allSatisfy(line -> assertThat(line).contains("\"severity\":\"CRITICAL\""));
    }

    private double delivered(String channel) {
        var counter = registry.find("ballast.alert.messages")
                .tag("channel", channel)
                .tag("result", "delivered")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aRouteNamingAnUnknownChannelFailsTheBuildNamingBoth() {
        assertThatThrownBy(() -> AlertRouter.builder()
                        .route(Route.of("critical", Severity.CRITICAL, List.of("pager")))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'critical'")
                .hasMessageContaining("'pager'");
    }

    @Test
    void theDefaultRoutesSendCriticalToEveryChatChannelAndTheFile() {
        Map<String, Channel> channels = new java.util.LinkedHashMap<>();
        channels.put("discord", new Recording("discord"));
        channels.put("slack", new Recording("slack"));
        channels.put("file", Channel.file("file", java.nio.file.Path.of("x.jsonl"), 4096, 1));
        channels.put("log", Channel.log("log"));

        List<Route> routes = AlertRouter.defaultRoutes(channels);

        assertThat(routes)
                .extracting(Route::channels)
                .containsExactly(
                        List.of("discord", "slack", "file"), List.of("discord", "slack"), List.of("log", "file"));
    }
}
