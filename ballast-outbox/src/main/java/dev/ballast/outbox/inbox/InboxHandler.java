package dev.ballast.outbox.inbox;

import dev.ballast.outbox.OutboxMessage;
import java.sql.Connection;

/** What a consumer does with an event, on the inbox's transaction. */
@FunctionalInterface
public interface InboxHandler {

    /**
     * Applies {@code message}: write through {@code connection} (the transaction that also records the event in the
     * inbox; do not commit or close it). Throwing rolls back both, so the event is not recorded and its redelivery is
     * handled again.
     */
    void handle(Connection connection, OutboxMessage message) throws Exception;
}
