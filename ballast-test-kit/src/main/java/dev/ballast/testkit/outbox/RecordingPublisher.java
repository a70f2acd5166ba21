package dev.ballast.testkit.outbox;

import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.PublishResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The publisher {@link OutboxContract}'s relays publish to: it records what it acknowledged, counts every message it
 * was handed, and counts the times two events of one aggregate were in flight at once (the relay's ordering promise
 * says never). A test sets its {@linkplain #behaviour(Function) behaviour} to fail, crash or block on chosen messages.
 * Called by the relays' threads; every member is thread-safe.
 */
public final class RecordingPublisher implements OutboxPublisher {

    private final List<OutboxMessage> published = new CopyOnWriteArrayList<>();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();
    private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();
    private volatile Function<OutboxMessage, PublishResult> behaviour = message -> PublishResult.published();
    private volatile long slowMillis;

    /** Creates a publisher that acknowledges every message at once. */
    public RecordingPublisher() {}

    /**
     * Sets what each message gets, from now on.
     *
     * @param behaviour the result for a message; it may also throw or block, as a broken or slow broker would
     */
    public void behaviour(Function<OutboxMessage, PublishResult> behaviour) {
        this.behaviour = behaviour;
    }

    /**
     * Makes each publish take at least this long, so that concurrent relays overlap if they ever would.
     *
     * @param millis the delay per message
     */
    public void slowMillis(long millis) {
        this.slowMillis = millis;
    }

    /**
     * The messages acknowledged as published, in the order they were.
     *
     * @return a live, thread-safe view
     */
    public List<OutboxMessage> published() {
        return published;
    }

    /**
     * The payloads of the published messages as UTF-8 text, in order.
     *
     * @return a snapshot
     */
    public List<String> bodies() {
        return published.stream()
                .map(message -> new String(message.payload(), StandardCharsets.UTF_8))
                .toList();
    }

    /**
     * How many messages this publisher was handed, whatever their result.
     *
     * @return the count so far
     */
    public int calls() {
        return calls.get();
    }

    /**
     * How many times a message arrived while another of its aggregate was still being published.
     *
     * @return the count so far; zero is what the relay promises
     */
    public int overlaps() {
        return overlaps.get();
    }

    @Override
    public List<PublishResult> publish(List<OutboxMessage> batch) {
        List<PublishResult> results = new ArrayList<>();
        for (OutboxMessage message : batch) {
            calls.incrementAndGet();
            String aggregate = message.aggregateType() + "/" + message.aggregateId();
            if (inFlight.putIfAbsent(aggregate, Boolean.TRUE) != null) {
                overlaps.incrementAndGet();
            }
            try {
                if (slowMillis > 0) {
                    Thread.sleep(slowMillis);
                }
                PublishResult result = behaviour.apply(message);
                if (result instanceof PublishResult.Published) {
                    published.add(message);
                }
                results.add(result);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                results.add(PublishResult.failed(e));
            } finally {
                inFlight.remove(aggregate);
            }
        }
        return results;
    }
}
