package dev.ballast.outbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Delivers messages to a broker: batch in, one result per message out, in the same order. The relay never gives a
 * batch two messages of one aggregate, so a publisher may send a batch in parallel. Throwing fails the whole batch.
 * Implementations must be thread-safe when the relay runs more than one thread.
 */
@FunctionalInterface
public interface OutboxPublisher {

    /** Publishes {@code batch}; the result list has one entry per message, in order. */
    List<PublishResult> publish(List<OutboxMessage> batch);

    /**
     * An in-process publisher: hands each message to {@code handler} on the relay thread; a handler exception fails
     * that message only. The embedded default (e.g. Spring application events).
     */
    static OutboxPublisher inProcess(Consumer<OutboxMessage> handler) {
        Objects.requireNonNull(handler, "handler");
        return batch -> {
            List<PublishResult> results = new ArrayList<>(batch.size());
            for (OutboxMessage message : batch) {
                try {
                    handler.accept(message);
                    results.add(PublishResult.published());
                } catch (RuntimeException e) {
                    results.add(PublishResult.failed(e));
                }
            }
            return results;
        };
    }
}
