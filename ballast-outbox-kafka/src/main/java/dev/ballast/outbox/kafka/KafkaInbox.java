package dev.ballast.outbox.kafka;

import dev.ballast.outbox.inbox.Inbox;
import dev.ballast.outbox.inbox.InboxHandler;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * One-line inbox handling of a Kafka record published by {@link KafkaOutboxPublisher}, e.g. in a plain poll loop or a
 * Spring {@code @KafkaListener} method taking the {@code ConsumerRecord}:
 *
 * <pre>{@code
 * KafkaInbox.receive(inbox, record, (connection, event) -> settlements.book(connection, event));
 * }</pre>
 *
 * Commit the record's offset only after this returns; if it throws, let the record be redelivered.
 */
public final class KafkaInbox {

    private KafkaInbox() {}

    /** Handles {@code record} through {@code inbox} in a transaction of its own. */
    public static Inbox.Result receive(Inbox inbox, ConsumerRecord<?, byte[]> record, InboxHandler handler)
            throws Exception {
        return inbox.receive(name -> header(record, name), value(record), handler);
    }

    /** Handles {@code record} through {@code inbox} on the caller's transaction ({@code connection}). */
    public static Inbox.Result receive(
            Inbox inbox, Connection connection, ConsumerRecord<?, byte[]> record, InboxHandler handler)
            throws Exception {
        return inbox.receive(connection, name -> header(record, name), value(record), handler);
    }

    /**
     * Dead-letters {@code record}, whose handler failed on every attempt, as {@code HANDLER_FAILED} (see {@link
     * Inbox#giveUp}); for the recoverer of a Spring Kafka {@code DefaultErrorHandler}.
     */
    public static Inbox.Result giveUp(Inbox inbox, ConsumerRecord<?, byte[]> record, Throwable failure)
            throws SQLException {
        return inbox.giveUp(name -> header(record, name), value(record), failure);
    }

    /** The last header called {@code name} as UTF-8 text, or null. */
    public static @Nullable String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] value(ConsumerRecord<?, byte[]> record) {
        return record.value() == null ? new byte[0] : record.value();
    }
}
