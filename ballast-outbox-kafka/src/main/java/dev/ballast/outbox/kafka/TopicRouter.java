package dev.ballast.outbox.kafka;

import dev.ballast.outbox.OutboxMessage;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Chooses the Kafka topic of an outbox message. Must be thread-safe and fast (it runs on the relay thread for every
 * message). A message it has no topic for is never dropped: it throws {@link NoRouteException} and the event becomes
 * a dead letter with reason {@code NO_ROUTE}.
 */
@FunctionalInterface
public interface TopicRouter {

    /** The topic for {@code message}; throws {@link NoRouteException} if there is none. */
    String topic(OutboxMessage message);

    /** The topics this router can return, if it knows them (checked at start-up); empty if it does not. */
    default Set<String> knownTopics() {
        return Set.of();
    }

    /**
     * Routes by event type, e.g. {@code OrderPlaced → brokerage.orders}; a type not in {@code topicsByEventType} is a
     * {@link NoRouteException}.
     *
     * @throws IllegalArgumentException if the map is empty or a topic name is not a valid Kafka topic name
     */
    static TopicRouter byEventType(Map<String, String> topicsByEventType) {
        Map<String, String> routes = new TreeMap<>(topicsByEventType);
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("At least one event type → topic route is required");
        }
        routes.forEach((type, topic) -> {
            Objects.requireNonNull(topic, "topic");
            if (!topic.matches("[a-zA-Z0-9._-]{1,249}") || topic.equals(".") || topic.equals("..")) {
                throw new IllegalArgumentException("Event type " + type + " is routed to '" + topic
                        + "', which is not a valid Kafka topic name (letters, digits, '.', '_', '-'; 1 to 249)");
            }
        });
        Set<String> topics = new TreeSet<>(routes.values());
        return new TopicRouter() {
            @Override
            public String topic(OutboxMessage message) {
                String topic = routes.get(message.eventType());
                if (topic == null) {
                    throw new NoRouteException(
                            "No Kafka topic for event type " + message.eventType() + "; routes: " + routes.keySet());
                }
                return topic;
            }

            @Override
            public Set<String> knownTopics() {
                return topics;
            }

            @Override
            public String toString() {
                return "TopicRouter.byEventType" + routes;
            }
        };
    }

    /** A router has no destination for a message. */
    final class NoRouteException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public NoRouteException(String message) {
            super(message);
        }
    }
}
