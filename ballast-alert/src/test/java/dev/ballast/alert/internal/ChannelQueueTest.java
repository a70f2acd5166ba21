package dev.ballast.alert.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.alert.Message;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChannelQueueTest {

    private static Message message(Severity severity, String fingerprint) {
        Alert alert = Alert.builder(severity, "t").fingerprint(fingerprint).build();
        return new Message(
                Message.Kind.FIRING, severity, "t", List.of(alert), 0, Duration.ZERO, List.of(), Instant.EPOCH);
    }

    @Test
    void aFullQueueDropsInfoFirstAndNeverDropsCritical() throws Exception {
        ChannelQueue queue = new ChannelQueue(3);
        assertThat(queue.offer(message(Severity.INFO, "i1"))).isEqualTo(ChannelQueue.Offer.QUEUED);
        assertThat(queue.offer(message(Severity.WARNING, "w1"))).isEqualTo(ChannelQueue.Offer.QUEUED);
        assertThat(queue.offer(message(Severity.INFO, "i2"))).isEqualTo(ChannelQueue.Offer.QUEUED);

        assertThat(queue.offer(message(Severity.INFO, "i3"))).isEqualTo(ChannelQueue.Offer.DROPPED);
        assertThat(queue.offer(message(Severity.CRITICAL, "c1"))).isEqualTo(ChannelQueue.Offer.QUEUED_DROPPING_INFO);
        assertThat(queue.offer(message(Severity.CRITICAL, "c2"))).isEqualTo(ChannelQueue.Offer.QUEUED_DROPPING_INFO);
        assertThat(queue.offer(message(Severity.WARNING, "w2"))).isEqualTo(ChannelQueue.Offer.DROPPED);
        assertThat(queue.offer(message(Severity.CRITICAL, "c3"))).isEqualTo(ChannelQueue.Offer.SPILL);

        assertThat(List.of(
                        queue.poll(0, TimeUnit.MILLISECONDS).fingerprint(),
                        queue.poll(0, TimeUnit.MILLISECONDS).fingerprint(),
                        queue.poll(0, TimeUnit.MILLISECONDS).fingerprint()))
                .containsExactly("c1", "c2", "w1");
        assertThat(queue.poll(0, TimeUnit.MILLISECONDS)).isNull();
    }
}
