package dev.ballast.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Closing the router closes its channels: the HTTP channels' clients are shut down, a failing close is contained. */
class ChannelCloseTest {

    @RegisterExtension
    final LogCapture logs = LogCapture.of(AlertRouter.class);

    @TempDir
    Path dir;

    @Test
    void afterTheRouterClosesAnHttpChannelRefusesToDeliverAndSendsNothing() {
        try (WebhookStub stub = new WebhookStub()) {
            stub.answer("/slack", 200);
            Channel slack = Channel.slack("slack", stub.url("/slack"), Duration.ofSeconds(2), Duration.ofSeconds(2));
            assertThat(slack.deliver(message()).outcome())
                    .as("open: delivered")
                    .isEqualTo(DeliveryResult.Outcome.DELIVERED);

            AlertRouter.builder()
                    .channel(slack)
                    .channel(Channel.file("file", dir.resolve("alerts.jsonl"), 1 << 20, 1))
                    .build()
                    .close();

            DeliveryResult afterClose = slack.deliver(message());
            assertThat(afterClose.outcome()).isEqualTo(DeliveryResult.Outcome.REJECTED);
            assertThat(afterClose.detail()).isEqualTo("channel closed");
            assertThat(stub.requests("/slack")).as("no request after close").hasSize(1);
        }
    }

    @Test
    void aChannelWhoseCloseFailsIsLoggedAndTheOthersAreStillClosed() {
        CountingChannel failing = new CountingChannel("failing", true);
        CountingChannel other = new CountingChannel("other", false);

        AlertRouter.builder().channel(failing).channel(other).build().close();

        assertThat(failing.closes).hasValue(1);
        assertThat(other.closes).hasValue(1);
        assertThat(logs.events()).anySatisfy(event -> assertThat(event.getFormattedMessage())
                .isEqualTo("Alert channel 'failing' failed to close: java.lang.IllegalStateException"));
    }

    private static Message message() {
        Alert alert = Alert.builder(Severity.WARNING, "Disk almost full")
                .fingerprint("disk")
                .build();
        return new Message(
                Message.Kind.FIRING,
                Severity.WARNING,
                alert.title(),
                List.of(alert),
                0,
                Duration.ZERO,
                List.of(),
                Instant.EPOCH);
    }

    /** A recording chat channel that counts its closes and, if asked, fails them. */
    private static final class CountingChannel extends AlertRouterTest.Recording {
        final AtomicInteger closes = new AtomicInteger();
        private final boolean failClose;

        CountingChannel(String name, boolean failClose) {
            super(name);
            this.failClose = failClose;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
            if (failClose) {
                throw new IllegalStateException("the receiver's session could not be ended");
            }
        }
    }
}
