package dev.ballast.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.alert.AlertRouterTest.Recording;
import dev.ballast.alert.internal.RawAlertRecorder;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code AlertRouter.Builder#recordRawAlerts}: what the router received, before deduplication, for replaying it. */
class RawAlertRecorderTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T03:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void everyAlertTheRouterReceivesIsRecordedBeforeDeduplicationWithoutDetailOrActions() throws Exception {
        Path file = dir.resolve("raw/alerts.jsonl");
        Recording chat = new Recording("chat");
        Alert deadLetters = Alert.builder(Severity.CRITICAL, "Outbox dead letters: 1 unresolved")
                .detail("payload {\"account\":\"A-99\",\"password\":\"hunter2\"}")
                .fingerprint("outbox-dead-letters")
                .label("module", "outbox")
                .action(new AlertAction("Runbook", URI.create("https://docs.example/runbook?token=s3cr3t")))
                .action(AlertAction.operation("Replay", "outbox.replay-dead-letters", Map.of("key", "s3cr3t")))
                .timestamp(Instant.parse("2026-12-01T02:59:59Z"))
                .build();
        try (AlertRouter router = AlertRouter.builder()
                .clock(clock)
                .meterRegistry(registry)
                .channel(chat)
                .recordRawAlerts(file)
                .manual()
                .build()) {
            for (int i = 0; i < 5; i++) {
                router.send(deadLetters);
                router.dispatchPending(false);
                clock.advance(Duration.ofSeconds(5));
            }
            router.send(AlertStatus.resolved(deadLetters));
            router.dispatchPending(true);
        }

        assertThat(chat.messages).as("deduplicated: one firing, one resolved").hasSize(2);
        List<RawAlerts.Raw> raws = RawAlerts.read(file, "run");
        assertThat(raws).as("recorded before deduplication").hasSize(6);
        assertThat(raws.get(0).at()).isEqualTo(Instant.parse("2026-12-01T03:00:00Z"));
        assertThat(raws.get(4).at()).isEqualTo(Instant.parse("2026-12-01T03:00:20Z"));
        assertThat(raws.get(0).alert().severity()).isEqualTo(Severity.CRITICAL);
        assertThat(raws.get(0).alert().fingerprint()).isEqualTo("outbox-dead-letters");
        assertThat(raws.get(0).alert().title()).isEqualTo("Outbox dead letters: 1 unresolved");
        assertThat(raws.get(0).alert().labels()).containsExactly(Map.entry("module", "outbox"));
        assertThat(raws.get(0).alert().timestamp()).isEqualTo(Instant.parse("2026-12-01T02:59:59Z"));
        assertThat(AlertStatus.isResolved(raws.get(5).alert())).isTrue();
        String text = Files.readString(file);
        assertThat(text).doesNotContain("hunter2").doesNotContain("s3cr3t").doesNotContain("payload");
        assertThat(text.lines()).allSatisfy(line -> assertThat(line).startsWith("{\"v\":1,\"at\":\""));
        assertThat(registry.get("ballast.alert.recorder.dropped").counter().count())
                .isZero();
    }

    @Test
    void aFullRecorderQueueDropsAndCountsInsteadOfWaiting() throws Exception {
        Path file = dir.resolve("flood.jsonl");
        Alert info =
                Alert.builder(Severity.INFO, "Cache warm").fingerprint("warm").build();
        int sent = 100_000;
        try (RawAlertRecorder recorder = new RawAlertRecorder(file, 1, registry)) {
            for (int i = 0; i < sent; i++) {
                recorder.record(info, clock.instant());
            }
        }
        long written = Files.readAllLines(file).size();
        double dropped =
                registry.get("ballast.alert.recorder.dropped").counter().count();
        assertThat(dropped).as("a queue of one cannot take a burst").isPositive();
        assertThat(written + (long) dropped)
                .as("every alert written or counted")
                .isEqualTo(sent);
    }
}
