package dev.ballast.outbox.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Delivery;
import dev.ballast.outbox.inbox.Inbox;
import dev.ballast.outbox.inbox.InboxHandler;
import java.sql.Connection;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One-line inbox handling of a RabbitMQ delivery published by {@link RabbitOutboxPublisher}:
 *
 * <pre>{@code
 * RabbitInbox.receive(inbox, delivery, (connection, event) -> settlements.book(connection, event));
 * channel.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
 * }</pre>
 *
 * Acknowledge only after this returns; if it throws, nack (requeue) so the message is redelivered.
 */
public final class RabbitInbox {

    private RabbitInbox() {}

    /** Handles {@code delivery} through {@code inbox} in a transaction of its own. */
    public static Inbox.Result receive(Inbox inbox, Delivery delivery, InboxHandler handler) throws Exception {
        return inbox.receive(name -> header(delivery.getProperties(), name), body(delivery), handler);
    }

    /** Handles {@code delivery} through {@code inbox} on the caller's transaction ({@code connection}). */
    public static Inbox.Result receive(Inbox inbox, Connection connection, Delivery delivery, InboxHandler handler)
            throws Exception {
        return inbox.receive(connection, name -> header(delivery.getProperties(), name), body(delivery), handler);
    }

    /** The header called {@code name} as text (AMQP long strings are UTF-8), or null. */
    public static @Nullable String header(AMQP.BasicProperties properties, String name) {
        Map<String, Object> headers = properties.getHeaders();
        Object value = headers == null ? null : headers.get(name);
        return value == null ? null : value.toString();
    }

    private static byte[] body(Delivery delivery) {
        return delivery.getBody() == null ? new byte[0] : delivery.getBody();
    }
}
