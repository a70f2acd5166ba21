package dev.ballast.alert.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.alert.Channel;
import dev.ballast.alert.ChannelSettings;
import dev.ballast.alert.DeliveryResult;
import dev.ballast.alert.Message;
import dev.ballast.test.Eventually;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing a channel's worker lets the message it is delivering finish instead of cutting it off. */
class ChannelWorkerCloseTest {

    @TempDir
    Path directory;

    @Test
    void closeWaitsForTheMessageInHandAndDoesNotAlsoWriteItToTheFile() throws Exception {
        Path file = directory.resolve("alerts.jsonl");
        JsonLinesFile fallback = (JsonLinesFile) Channel.file("file", file, 1 << 20, 1);
        HeldChannel chat = new HeldChannel();
        ChannelWorker worker = new ChannelWorker(
                        chat,
                        ChannelSettings.DEFAULTS,
                        fallback,
                        new AlertMeters(new SimpleMeterRegistry()),
                        (c, s, d) -> {})
                .start();
        worker.offer(JsonLinesFileTest.message(1));
        assertThat(chat.entered.await(10, java.util.concurrent.TimeUnit.SECONDS))
                .isTrue();

        Thread closer = Thread.ofPlatform().start(() -> worker.close(Duration.ofSeconds(5)));
        Eventually.within(
                Duration.ofSeconds(5), "close is waiting", () -> closer.getState() == Thread.State.TIMED_WAITING);
        chat.release.countDown(); // the receiver answers while close waits
        closer.join(10_000);

        assertThat(closer.isAlive()).isFalse();
        assertThat(chat.delivered).hasValue(1);
        assertThat(chat.interrupted).hasValue(0);
        fallback.close();
        assertThat(Files.exists(file) ? Files.readAllLines(file) : List.of())
                .as("a delivered message is not also written to the file as undelivered")
                .isEmpty();
    }

    /** A chat receiver that holds each request until the test releases it. */
    private static final class HeldChannel implements Channel {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger delivered = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();

        @Override
        public String name() {
            return "chat";
        }

        @Override
        public Kind kind() {
            return Kind.CHAT;
        }

        @Override
        public DeliveryResult deliver(Message message) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                Thread.currentThread().interrupt();
                return DeliveryResult.retry(0, Duration.ZERO, "interrupted");
            }
            delivered.incrementAndGet();
            return DeliveryResult.delivered();
        }
    }
}
