package dev.ballast.alert.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.alert.Message;
import dev.ballast.core.TaskContext;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The sample messages in docs/alerting.md are what the channels send, byte for byte (pretty-printed). */
class SampleMessagesTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonMapper PRETTY =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    static final Instant AT = Instant.parse("2026-11-30T09:15:00Z");

    static Message sample() {
        Alert alert = Alert.builder(Severity.CRITICAL, "Outbox dead letters: 3 unresolved")
                .detail("Events gave up after their attempts; their aggregates wait behind them.")
                .context(new TaskContext("Order", "Publish", "O-1042"))
                .fingerprint("outbox-dead-letters")
                .label("module", "outbox")
                .timestamp(AT)
                .build();
        List<AlertAction> actions = List.of(
                new AlertAction(
                        "Replay dead letters",
                        URI.create("https://brokerage.example/ballast/actions/eyJ2IjoxLCJr.c2ln")),
                new AlertAction("Runbook", URI.create("https://docs.example/runbooks.md#ballastoutboxdeadletters")));
        return new Message(
                Message.Kind.FIRING,
                Severity.CRITICAL,
                alert.title(),
                List.of(alert),
                37,
                Duration.ofMinutes(5),
                actions,
                AT,
                "orders-1");
    }

    @TempDir
    Path dir;

    @Test
    void aMessageNamingNoInstanceLeavesItOutOfEveryFormat() throws Exception {
        Message named = sample();
        Message unnamed = new Message(
                named.kind(),
                named.severity(),
                named.title(),
                named.alerts(),
                named.repeats(),
                named.repeatWindow(),
                named.actions(),
                named.timestamp());

        JsonNode discord = JSON.readTree(new DiscordFormat().body(unnamed));
        JsonNode slack = JSON.readTree(new SlackFormat().body(unnamed));
        JsonNode webhook = JSON.readTree(new SignedWebhookFormat(new byte[32], Clock.systemUTC()).body(unnamed));
        assertThat(discord.at("/embeds/0/footer/text").asString()).isEqualTo("ballast \u00b7 firing");
        assertThat(slack.at("/blocks/2/elements/0/text").asString())
                .isEqualTo("CRITICAL \u00b7 FIRING \u00b7 2026-11-30T09:15:00Z");
        assertThat(webhook.has("instance")).isFalse();
        assertThat(JSON.readTree(new SignedWebhookFormat(new byte[32], Clock.systemUTC()).body(named))
                        .get("instance")
                        .asString())
                .isEqualTo("orders-1");
    }

    @Test
    void theDocsShowExactlyWhatEachChannelSends() throws Exception {
        Message message = sample();
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
        SignedWebhookFormat webhook = new SignedWebhookFormat(secret, Clock.fixed(AT, ZoneOffset.UTC));
        byte[] webhookBody = webhook.body(message);
        String samples = "discord:\n" + pretty(new DiscordFormat().body(message))
                + "slack:\n" + pretty(new SlackFormat().body(message))
                + "webhook:\n" + pretty(webhookBody)
                + "webhook headers:\nX-Ballast-Timestamp: " + AT.getEpochSecond() + "\nX-Ballast-Signature: sha256="
                + webhook.sign(Long.toString(AT.getEpochSecond()), webhookBody) + "\n"
                + "file:\n" + fileLine(message) + "\n";
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/alert-samples.txt"), samples);

        String docs = Files.readString(docs());
        for (String block : samples.split("(?m)^(discord|slack|webhook|webhook headers|file):\n")) {
            if (!block.isBlank()) {
                assertThat(docs)
                        .as("docs/alerting.md holds target/alert-samples.txt")
                        .contains(block.strip());
            }
        }
    }

    /** The line the file channel writes for {@code message} standing in for a Discord channel that kept failing. */
    private String fileLine(Message message) throws Exception {
        Path path = dir.resolve("alerts.jsonl");
        JsonLinesFile file = new JsonLinesFile("file", path, 1 << 20, 1);
        file.write(message, "discord", "failed after retries: HTTP 503");
        file.close();
        return Files.readAllLines(path).getFirst();
    }

    private static String pretty(byte[] json) {
        JsonNode node = PRETTY.readTree(json);
        return PRETTY.writeValueAsString(node) + "\n";
    }

    private static Path docs() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("docs/alerting.md"))) {
            dir = dir.getParent();
        }
        return dir.resolve("docs/alerting.md");
    }
}
