package dev.ballast.outbox.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.PossibleAuthenticationFailureException;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.PublishResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Publishes outbox messages to RabbitMQ ({@code amqp-client}) with publisher confirms: a wave is published on one
 * channel, each message correlated with its delivery tag, and the wave's results go back to the relay only when the
 * broker confirmed (or refused) every message, so nothing is recorded published before RabbitMQ has it. Messages are
 * persistent ({@code delivery_mode 2}) and {@code mandatory}: a message no queue is bound for comes back and becomes a
 * dead letter {@code UNROUTABLE}. Exchange and routing key come from an {@link ExchangeRouter}; headers are
 * {@link dev.ballast.outbox.OutboxHeaders}, the message id is the event id, the type the event type.
 *
 * <p>Results: confirmed → published; returned → dead letter {@code UNROUTABLE}; no route → {@code NO_ROUTE}; nacked →
 * retry with the relay's backoff; channel or connection closed, or no confirm within the timeout → failed (a retry, or
 * the relay's outage pause when the whole wave failed so). The connection recovers by itself (automatic recovery).
 *
 * <p>Thread-safe: each relay thread borrows its own channel. Close it after the relay.
 */
public final class RabbitOutboxPublisher implements OutboxPublisher, AutoCloseable {

    private final Connection connection;
    private final ExchangeRouter router;
    private final Duration confirmTimeout;
    private final LinkedBlockingQueue<ConfirmChannel> idle = new LinkedBlockingQueue<>();

    private RabbitOutboxPublisher(Connection connection, ExchangeRouter router, Duration confirmTimeout) {
        this.connection = connection;
        this.router = router;
        this.confirmTimeout = confirmTimeout;
    }

    /**
     * A builder over {@code factory} (host, port, virtual host, credentials, TLS; e.g. from Spring Boot's
     * {@code RabbitProperties}). The builder turns automatic recovery on.
     */
    public static Builder builder(ConnectionFactory factory) {
        return new Builder(factory);
    }

    @Override
    public List<PublishResult> publish(List<OutboxMessage> batch) {
        ConfirmChannel channel;
        try {
            channel = borrow();
        } catch (IOException | RuntimeException e) {
            List<PublishResult> failed = new ArrayList<>(batch.size());
            batch.forEach(message -> failed.add(PublishResult.failed(e)));
            return failed;
        }
        boolean healthy = true;
        try {
            List<PublishResult> results = new ArrayList<>(batch.size());
            List<ConfirmChannel.@Nullable Pending> pending = new ArrayList<>(batch.size());
            for (OutboxMessage message : batch) {
                results.add(null);
                try {
                    ExchangeRouter.Destination destination = router.route(message);
                    pending.add(channel.publish(destination, message));
                } catch (ExchangeRouter.NoRouteException e) {
                    results.set(results.size() - 1, PublishResult.rejected(DeadLetterReason.NO_ROUTE, e));
                    pending.add(null);
                } catch (IOException | RuntimeException e) {
                    results.set(results.size() - 1, PublishResult.failed(e));
                    pending.add(null);
                    healthy = false;
                }
            }
            long deadline = System.nanoTime() + confirmTimeout.toNanos();
            for (int i = 0; i < pending.size(); i++) {
                ConfirmChannel.Pending each = pending.get(i);
                if (each != null) {
                    PublishResult result = await(each, deadline);
                    if (result instanceof PublishResult.Failed failed
                            && failed.kind() != PublishResult.Failed.Kind.RETRY) {
                        healthy = false;
                    }
                    results.set(i, result);
                }
            }
            return results;
        } finally {
            if (healthy && channel.isOpen()) {
                idle.offer(channel);
            } else {
                channel.close();
            }
        }
    }

    @Override
    public void close() {
        ConfirmChannel channel;
        while ((channel = idle.poll()) != null) {
            channel.close();
        }
        try {
            connection.close(5_000);
        } catch (IOException | RuntimeException ignored) {
            // closing anyway
        }
    }

    private ConfirmChannel borrow() throws IOException {
        ConfirmChannel channel;
        while ((channel = idle.poll()) != null) {
            if (channel.isOpen()) {
                return channel;
            }
            channel.close();
        }
        return new ConfirmChannel(connection.createChannel());
    }

    private static PublishResult await(ConfirmChannel.Pending pending, long deadline) {
        try {
            return pending.result.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return PublishResult.failed(new TimeoutException("RabbitMQ did not confirm the message in time"));
        } catch (ExecutionException e) {
            return PublishResult.failed(e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return PublishResult.failed(e);
        }
    }

    /** RabbitMQ negatively acknowledged a message (e.g. a queue full with {@code reject-publish}): retried. */
    static final class NackException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NackException(String eventId) {
            super("RabbitMQ nacked event " + eventId);
        }
    }

    /** RabbitMQ returned a mandatory message: no queue is bound for it. */
    static final class UnroutableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnroutableException(String detail) {
            super("Unroutable: " + detail);
        }
    }

    /** Builds a {@link RabbitOutboxPublisher}. */
    public static final class Builder {
        private final ConnectionFactory factory;
        private @Nullable ExchangeRouter router;
        private Duration confirmTimeout = Duration.ofSeconds(15);
        private boolean verifyExchanges = true;
        private String connectionName = "ballast-outbox";

        private Builder(ConnectionFactory factory) {
            this.factory = Objects.requireNonNull(factory, "factory");
        }

        /** The router; required. */
        public Builder router(ExchangeRouter exchangeRouter) {
            this.router = Objects.requireNonNull(exchangeRouter, "router");
            return this;
        }

        /** The default router: exchange per aggregate type, routing key = event type. */
        public Builder exchanges(Map<String, String> exchangesByAggregateType) {
            return router(ExchangeRouter.byAggregateType(exchangesByAggregateType));
        }

        /** How long a wave waits for its confirms (default 15 s; keep it well inside the relay's lease). */
        public Builder confirmTimeout(Duration timeout) {
            this.confirmTimeout = Objects.requireNonNull(timeout, "confirmTimeout");
            return this;
        }

        /** Whether {@link #build()} checks that the router's exchanges exist (default true). */
        public Builder verifyExchanges(boolean verify) {
            this.verifyExchanges = verify;
            return this;
        }

        /** The connection's name in the RabbitMQ management UI (default {@code ballast-outbox}). */
        public Builder connectionName(String name) {
            this.connectionName = Objects.requireNonNull(name, "connectionName");
            return this;
        }

        /**
         * Connects and checks the exchanges.
         *
         * @throws IllegalArgumentException without a router
         * @throws IllegalStateException if RabbitMQ cannot be reached or a routed exchange does not exist (named)
         */
        public RabbitOutboxPublisher build() {
            if (router == null) {
                throw new IllegalArgumentException("An exchange router is required (router(...) or exchanges(...))");
            }
            factory.setAutomaticRecoveryEnabled(true);
            factory.setTopologyRecoveryEnabled(true);
            Connection connection;
            try {
                connection = factory.newConnection(connectionName);
            } catch (IOException | TimeoutException e) {
                String where = factory.getHost() + ":" + factory.getPort() + " (virtual host '"
                        + factory.getVirtualHost() + "')";
                if (e instanceof PossibleAuthenticationFailureException) {
                    // ACCESS_REFUSED (or a connection closed during the login): say so, not "could not connect"
                    throw new IllegalStateException(
                            "RabbitMQ at " + where + " refused the credentials of user '" + factory.getUsername()
                                    + "' (" + e.getMessage() + "): check the user name and password (the password"
                                    + " is not shown) and the user's permissions on the virtual host",
                            e);
                }
                throw new IllegalStateException("Could not connect to RabbitMQ at " + where, e);
            }
            if (verifyExchanges) {
                for (String exchange : router.knownExchanges()) {
                    try (Channel check = connection.createChannel()) {
                        check.exchangeDeclarePassive(exchange);
                    } catch (IOException | TimeoutException | RuntimeException e) {
                        try {
                            connection.close();
                        } catch (IOException | RuntimeException ignored) {
                            // failing anyway
                        }
                        throw new IllegalStateException("RabbitMQ exchange '" + exchange
                                + "' routed to by the outbox does not exist in virtual host '"
                                + factory.getVirtualHost() + "' (declare it, or verifyExchanges(false))");
                    }
                }
            }
            return new RabbitOutboxPublisher(connection, router, confirmTimeout);
        }
    }
}
