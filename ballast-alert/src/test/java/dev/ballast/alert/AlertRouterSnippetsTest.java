package dev.ballast.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
            } // the default CRITICAL route holds the message for its 5 s group wait; closing delivers it at once, so
            // the counts below are final (waiting for it to arrive instead made this test take 6 s)
            assertThat(slack.requests("/slack")).hasSize(1);
            assertThat(slack.bodies("/slack").getFirst().toString()).contains("Settlement backlog over 10,000");
            assertThat(Files.readAllLines(file)).hasSize(1);
        }
    }
}
