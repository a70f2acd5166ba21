package dev.ballast.alert;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The examples {@code AlertRouter}'s Javadoc shows ({@code {@snippet class=... region=...}}): compiled with the tests
 * and run by {@link AlertRouterSnippetsTest} against a real HTTP receiver, so a snippet that stops compiling or working
 * fails the build.
 */
final class AlertRouterSnippets {

    static AlertRouter create(URI slackWebhook, Path alertFile) {
        // @start region="create"
        AlertRouter alerts = AlertRouter.builder()
                .channel(Channel.slack("slack", slackWebhook, Duration.ofSeconds(2), Duration.ofSeconds(5)))
                .channel(Channel.file("file", alertFile, 64L << 20, 5)) // CRITICAL too, and what chat refused
                .build(); // default routes: CRITICAL to chat and the file, WARNING to chat, INFO to the log and file
        // @end
        return alerts;
    }

    static void raise(AlertRouter alerts) {
        // @start region="send"
        alerts.send(Alert.builder(Severity.CRITICAL, "Settlement backlog over 10,000")
                .detail("Settlements wait for the ledger; see runbook 'settlement-backlog'.")
                .fingerprint("settlement-backlog") // repeats within the dedup window become one message, "×N"
                .label("service", "settlement")
                .build()); // queues and returns at once: never blocks, never throws
        // @end
    }
}
