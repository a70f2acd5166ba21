package dev.ballast.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Javadoc examples of {@code AlertRouter} do what their text says, against a real HTTP receiver. */
class AlertRouterSnippetsTest {

    @TempDir
    Path directory;

    @Test
    void aCriticalAlertReachesTheChatChannelAndTheFileOnceForThreeRaises() throws IOException {
        Path file = directory.resolve("alerts.jsonl");
        try (WebhookStub slack = new WebhookStub()) {
            slack.answer("/slack", 200);
            try (AlertRouter alerts = AlertRouterSnippets.create(slack.url("/slack"), file)) {
                AlertRouterSnippets.raise(alerts);
                AlertRouterSnippets.raise(alerts);
                AlertRouterSnippets.raise(alerts);
                Eventually.within(Duration.ofSeconds(10), "the message reaches Slack and the file", () -> {
                    try {
                        return !slack.requests("/slack").isEmpty()
                                && Files.exists(file)
                                && Files.readString(file).contains("Settlement backlog");
                    } catch (IOException e) {
                        return false;
                    }
                });
            } // closing delivers what is queued, so the counts below are final
            assertThat(slack.requests("/slack")).hasSize(1);
            assertThat(slack.bodies("/slack").getFirst().toString()).contains("Settlement backlog over 10,000");
            assertThat(Files.readAllLines(file)).hasSize(1);
        }
    }
}
