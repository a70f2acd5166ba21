package dev.ballast.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.PublishResult;
import java.io.IOException;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A channel in confirm mode with its outstanding messages by delivery tag: {@link #publish} returns a {@link Pending}
 * that the broker's ack, nack or return settles (on the connection's thread), and a channel that shuts down fails every
 * one still outstanding. {@link RabbitOutboxPublisher} lends it to one relay thread at a time; the settling runs
 * concurrently with that thread, hence the concurrent maps.
 */
final class ConfirmChannel {

    /** A message waiting for its confirm; {@code returned} is set by a basic.return, which precedes the ack. */
    static final class Pending {
        final String eventId;
        final CompletableFuture<PublishResult> result = new CompletableFuture<>();
        volatile @Nullable String returned;

        Pending(String eventId) {
            this.eventId = eventId;
        }
    }

    private final Channel channel;
    private final ConcurrentNavigableMap<Long, Pending> outstanding = new ConcurrentSkipListMap<>();
    private final Map<String, Pending> byEventId = new ConcurrentHashMap<>();

    ConfirmChannel(Channel channel) throws IOException {
        this.channel = channel;
        channel.confirmSelect();
        channel.addConfirmListener(
                (tag, multiple) -> settle(tag, multiple, true), (tag, multiple) -> settle(tag, multiple, false));
        channel.addReturnListener(returned -> {
            Object eventId = returned.getProperties().getMessageId();
            Pending pending = eventId == null ? null : byEventId.get(eventId.toString());
            if (pending != null) {
                pending.returned = returned.getReplyCode() + " " + returned.getReplyText() + " (exchange '"
                        + returned.getExchange() + "', routing key '" + returned.getRoutingKey() + "')";
            }
        });
        channel.addShutdownListener(this::failAll);
    }

    Pending publish(ExchangeRouter.Destination destination, OutboxMessage message) throws IOException {
        Pending pending = new Pending(message.eventId());
        long tag = channel.getNextPublishSeqNo();
        outstanding.put(tag, pending);
        byEventId.put(message.eventId(), pending);
        Map<String, Object> headers = new HashMap<>(OutboxHeaders.of(message));
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                .deliveryMode(2)
                .messageId(message.eventId())
                .type(message.eventType())
                .timestamp(Date.from(message.createdAt()))
                .headers(headers)
                .build();
        try {
            channel.basicPublish(destination.exchange(), destination.routingKey(), true, properties, message.payload());
        } catch (IOException | RuntimeException e) {
            outstanding.remove(tag);
            byEventId.remove(message.eventId());
            throw e;
        }
        return pending;
    }

    private void settle(long tag, boolean multiple, boolean ack) {
        Map<Long, Pending> settled = multiple ? outstanding.headMap(tag, true) : single(tag);
        for (Pending pending : List.copyOf(settled.values())) {
            byEventId.remove(pending.eventId);
            String returned = pending.returned;
            if (!ack) {
                pending.result.complete(PublishResult.retry(new RabbitOutboxPublisher.NackException(pending.eventId)));
            } else if (returned != null) {
                pending.result.complete(PublishResult.rejected(
                        DeadLetterReason.UNROUTABLE, new RabbitOutboxPublisher.UnroutableException(returned)));
            } else {
                pending.result.complete(PublishResult.published());
            }
        }
        settled.clear();
    }

    private Map<Long, Pending> single(long tag) {
        Pending pending = outstanding.remove(tag);
        return pending == null ? new HashMap<>() : new HashMap<>(Map.of(tag, pending));
    }

    private void failAll(ShutdownSignalException cause) {
        for (Pending pending : List.copyOf(outstanding.values())) {
            pending.result.complete(PublishResult.failed(cause));
        }
        outstanding.clear();
        byEventId.clear();
    }

    boolean isOpen() {
        return channel.isOpen();
    }

    void close() {
        failAll(new ShutdownSignalException(false, true, null, channel));
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException ignored) {
            // closing anyway
        }
    }
}
