package dev.ballast.outbox.rabbitmq;

import dev.ballast.outbox.OutboxMessage;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Chooses the exchange and routing key of an outbox message. Must be thread-safe and fast. A message it has no
 * destination for is never dropped: it throws {@link NoRouteException} and the event becomes a dead letter with reason
 * {@code NO_ROUTE}.
 */
@FunctionalInterface
public interface ExchangeRouter {

    /** The destination of {@code message}; throws {@link NoRouteException} if there is none. */
    Destination route(OutboxMessage message);

    /** The exchanges this router can return, if it knows them (checked at start-up); empty if it does not. */
    default Set<String> knownExchanges() {
        return Set.of();
    }

    /** An exchange and a routing key. */
    record Destination(String exchange, String routingKey) {
        public Destination {
            Objects.requireNonNull(exchange, "exchange");
            Objects.requireNonNull(routingKey, "routingKey");
        }
    }

    /**
     * The default: one exchange per aggregate type ({@code Order → brokerage.orders}), routing key = event type (e.g.
     * {@code OrderPlaced}); an aggregate type not in {@code exchangesByAggregateType} is a {@link NoRouteException}.
     *
     * @throws IllegalArgumentException if the map is empty or names the default exchange ("")
     */
    static ExchangeRouter byAggregateType(Map<String, String> exchangesByAggregateType) {
        Map<String, String> routes = new TreeMap<>(exchangesByAggregateType);
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("At least one aggregate type → exchange route is required");
        }
        routes.forEach((type, exchange) -> {
            if (exchange == null || exchange.isBlank() || exchange.length() > 255) {
                throw new IllegalArgumentException("Aggregate type " + type + " is routed to '" + exchange
                        + "', which is not a usable exchange name (1 to 255 characters, not the default exchange)");
            }
        });
        Set<String> exchanges = new TreeSet<>(routes.values());
        return new ExchangeRouter() {
            @Override
            public Destination route(OutboxMessage message) {
                String exchange = routes.get(message.aggregateType());
                if (exchange == null) {
                    throw new NoRouteException("No RabbitMQ exchange for aggregate type " + message.aggregateType()
                            + "; routes: " + routes.keySet());
                }
                return new Destination(exchange, message.eventType());
            }

            @Override
            public Set<String> knownExchanges() {
                return exchanges;
            }

            @Override
            public String toString() {
                return "ExchangeRouter.byAggregateType" + routes;
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
