package dev.ballast.bench.outbox;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.MessageProperties;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.bench.fair.PairedTrials;
import dev.ballast.bench.fair.Report;
import dev.ballast.bench.fair.Results;
import dev.ballast.outbox.rabbitmq.RabbitOutboxPublisher;
import dev.ballast.test.RabbitVirtualHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link KafkaDeliverySuite}'s RabbitMQ part (issue 11, point 8): the drain of a backlog through the machine's RabbitMQ
 * with publisher confirms, in a fresh virtual host, persistent messages to a durable exchange and a durable queue of
 * their own per trial. Ballast's relay (1 thread, {@link RabbitOutboxPublisher}: a wave published on one channel in
 * confirm mode, then every confirm awaited) against gruelbox transaction-outbox with 4 workers whose invoked method
 * publishes the message (persistent, mandatory) on its worker's confirm channel and waits for the broker's confirm
 * (amqp-client's {@code waitForConfirmsOrDie}): gruelbox's normal path, the call must succeed before the row is
 * deleted. Window: from the start of the drain until a consumer has received the last message. Spring Modulith's
 * AMQP externalization is not served by the machine's Maven mirror (neither 2.0.3 nor 2.1.1), so it is not in the run.
 */
@SuppressWarnings("try") // relays and consumers opened for their effect; their close() may wait
final class RabbitDrain {

    private RabbitDrain() {}

    static void run(Report report, HikariDataSource pool, int trials, int backlog) throws Exception {
        List<String> subjects = List.of("ballast-1-thread", "gruelbox-4-workers");
        int perTransaction = Integer.getInteger("delivery.batch", 1);
        int warmUp = Integer.getInteger("delivery.warmup", Math.max(1000, backlog / 10));
        TrialChunk chunk = TrialChunk.of(trials);
        System.out.println();
        System.out.println("## drain of a " + backlog + "-event backlog to RabbitMQ with publisher confirms,"
                + " synchronous_commit on for all; backlog written by 8 threads, " + perTransaction
                + " event(s) per transaction; warm-up " + warmUp + " events; " + chunk);
        try (RabbitVirtualHost vhost = RabbitVirtualHost.create().createNow()) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setHost(vhost.host());
            factory.setPort(vhost.port());
            factory.setVirtualHost(vhost.name());
            factory.setUsername("guest");
            factory.setPassword("guest");
            System.out.println("rabbitmq: the machine's server, virtual host " + vhost.name()
                    + ", a durable direct exchange and a durable classic queue per trial, persistent messages");
            Results results = chunk.run(
                    "drain to RabbitMQ, " + backlog + " events",
                    subjects,
                    trials,
                    PairedTrials.single("events/s", (subject, trial) -> {
                        int events = trial < 0 ? warmUp : backlog;
                        String exchange = "orders-" + UUID.randomUUID();
                        String queue = "settlement-" + UUID.randomUUID();
                        try (Connection admin = factory.newConnection("bench-admin");
                                Channel channel = admin.createChannel()) {
                            channel.exchangeDeclare(exchange, BuiltinExchangeType.DIRECT, true);
                            channel.queueDeclare(queue, true, false, false, Map.of());
                            channel.queueBind(queue, exchange, "OrderPlaced");
                            try {
                                return subject.equals("ballast-1-thread")
                                        ? ballast(pool, factory, exchange, queue, events, perTransaction)
                                        : gruelbox(factory, exchange, queue, events, perTransaction);
                            } finally {
                                channel.queueDelete(queue);
                                channel.exchangeDelete(exchange);
                            }
                        }
                    }));
            if (!chunk.complete(trials)) {
                return;
            }
            report.table(results, "events/s", "events per second", "gruelbox-4-workers");
            report.chart(
                    "rabbit-drain",
                    "Drain of " + backlog + " events to RabbitMQ (confirms)",
                    "events/s",
                    results,
                    List.of("events/s"));
            report.claim(results.claim(
                    "point 8: RabbitMQ drain with confirms, ballast-1-thread >= 2x gruelbox-4-workers",
                    "ballast-1-thread",
                    "gruelbox-4-workers",
                    "events/s",
                    r -> r >= 2));
        }
    }

    private static double ballast(
            HikariDataSource pool,
            ConnectionFactory factory,
            String exchange,
            String queue,
            int events,
            int perTransaction)
            throws Exception {
        String p = "rd" + UUID.randomUUID().toString().substring(0, 6) + "_";
        try (RabbitOutboxPublisher publisher = RabbitOutboxPublisher.builder(factory)
                .exchanges(Map.of("Order", exchange))
                .build()) {
            return BacklogDrains.ballast(
                    pool, p, publisher, events, perTransaction, () -> new Receiver(factory, queue, events));
        }
    }

    private static double gruelbox(
            ConnectionFactory factory, String exchange, String queue, int events, int perTransaction) throws Exception {
        try (Connection connection = factory.newConnection("bench-gruelbox")) {
            ThreadLocal<Channel> channels = ThreadLocal.withInitial(() -> {
                try {
                    Channel channel = connection.createChannel();
                    channel.confirmSelect();
                    return channel;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            return BacklogDrains.gruelbox(
                    events,
                    perTransaction,
                    () -> new RabbitSending(channels, exchange),
                    () -> new Receiver(factory, queue, events));
        }
    }

    /** gruelbox's invoked method: publish (persistent, mandatory) and wait for the broker's confirm. */
    static final class RabbitSending implements GruelboxDrain.Publisher {
        private final ThreadLocal<Channel> channels;
        private final String exchange;

        RabbitSending(ThreadLocal<Channel> channels, String exchange) {
            this.channels = channels;
            this.exchange = exchange;
        }

        @Override
        public void publish(String aggregateId, String eventJson) {
            Channel channel = channels.get();
            try {
                AMQP.BasicProperties properties = MessageProperties.PERSISTENT_BASIC
                        .builder()
                        .headers(Map.of("aggregate-id", aggregateId))
                        .build();
                channel.basicPublish(
                        exchange, "OrderPlaced", true, properties, eventJson.getBytes(StandardCharsets.UTF_8));
                channel.waitForConfirmsOrDie(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (IOException | TimeoutException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Consumes the trial's queue on a connection of its own; the nanoTime at which every event had arrived. */
    private static final class Receiver implements LastRead {
        private final Connection connection;
        private final CountDownLatch done = new CountDownLatch(1);
        private final AtomicLong last = new AtomicLong();
        private final int expected;

        Receiver(ConnectionFactory factory, String queue, int expected) throws Exception {
            this.expected = expected;
            connection = factory.newConnection("bench-consumer");
            Channel channel = connection.createChannel();
            channel.basicQos(1000);
            Set<Long> seen = ConcurrentHashMap.newKeySet();
            channel.basicConsume(queue, true, new DefaultConsumer(channel) {
                @Override
                public void handleDelivery(
                        String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    seen.add(DeliveryEvents.number(body));
                    if (seen.size() >= expected && last.get() == 0) {
                        last.set(System.nanoTime());
                        done.countDown();
                    }
                }
            });
        }

        @Override
        public long awaitLast() throws InterruptedException {
            if (!done.await(30, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the consumer did not receive " + expected + " events");
            }
            return last.get();
        }

        @Override
        public void close() throws IOException {
            connection.close();
        }
    }
}
