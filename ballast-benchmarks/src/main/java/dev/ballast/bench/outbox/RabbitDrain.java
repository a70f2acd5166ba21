package dev.ballast.bench.outbox;

import com.gruelbox.transactionoutbox.Dialect;
import com.gruelbox.transactionoutbox.Instantiator;
import com.gruelbox.transactionoutbox.Persistor;
import com.gruelbox.transactionoutbox.Submitter;
import com.gruelbox.transactionoutbox.ThreadLocalContextTransactionManager;
import com.gruelbox.transactionoutbox.TransactionManager;
import com.gruelbox.transactionoutbox.TransactionOutbox;
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
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.rabbitmq.RabbitOutboxPublisher;
import dev.ballast.test.RabbitVirtualHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
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

    private static final Clock AHEAD = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));

    private RabbitDrain() {}

    static void run(Report report, HikariDataSource pool, int trials, int backlog) throws Exception {
        List<String> subjects = List.of("ballast-1-thread", "gruelbox-4-workers");
        int perTransaction = Integer.getInteger("delivery.batch", 1);
        int warmUp = Integer.getInteger("delivery.warmup", Math.max(1000, backlog / 10));
        KafkaDeliverySuite.Chunk chunk = KafkaDeliverySuite.Chunk.of(trials);
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
            Results results = PairedTrials.run(
                    "drain to RabbitMQ, " + backlog + " events",
                    subjects,
                    trials,
                    chunk.warmUps(),
                    chunk.from(),
                    chunk.to(),
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
        Outbox outbox = Outbox.builder(pool).tablePrefix(p).createSchema(true).build();
        try (RabbitOutboxPublisher publisher = RabbitOutboxPublisher.builder(factory)
                .exchanges(Map.of("Order", exchange))
                .build()) {
            KafkaDeliverySuite.fillBallast(pool, outbox, events, perTransaction);
            DrainSubject.execute("VACUUM ANALYZE " + p + "outbox", "VACUUM ANALYZE " + p + "outbox_aggregate");
            try (Receiver consumer = new Receiver(factory, queue, events)) {
                long start = System.nanoTime();
                try (OutboxRelay relay = outbox.relay(publisher)
                        .threads(1)
                        .batchAggregates(100)
                        .maxPerAggregate(50)
                        .pollInterval(Duration.ofMillis(100))
                        .listen(false)
                        .asynchronousCommit(false)
                        .build()
                        .start()) {
                    return events / ((consumer.awaitLast() - start) / 1e9);
                }
            }
        } finally {
            OutboxHarness.dropAll(pool, p);
        }
    }

    private static double gruelbox(
            ConnectionFactory factory, String exchange, String queue, int events, int perTransaction) throws Exception {
        DrainSubject.execute("DROP TABLE IF EXISTS TXNO_OUTBOX, TXNO_VERSION");
        try (HikariDataSource gruelboxPool = KafkaDeliverySuite.gruelboxPool();
                Connection connection = factory.newConnection("bench-gruelbox")) {
            ThreadLocalContextTransactionManager transactions = TransactionManager.fromDataSource(gruelboxPool);
            KafkaDeliverySuite.fillGruelbox(transactions, events, perTransaction);
            DrainSubject.execute("VACUUM ANALYZE TXNO_OUTBOX");
            ThreadPoolExecutor workers =
                    new ThreadPoolExecutor(4, 4, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
            ThreadLocal<Channel> channels = ThreadLocal.withInitial(() -> {
                try {
                    Channel channel = connection.createChannel();
                    channel.confirmSelect();
                    return channel;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Receiver consumer = new Receiver(factory, queue, events)) {
                TransactionOutbox draining = TransactionOutbox.builder()
                        .transactionManager(transactions)
                        .persistor(Persistor.forDialect(Dialect.POSTGRESQL_9))
                        .instantiator(Instantiator.using(type -> new RabbitSending(channels, exchange)))
                        .submitter(Submitter.withExecutor(workers))
                        .clockProvider(() -> AHEAD)
                        .build();
                long start = System.nanoTime();
                while (draining.flush()) {
                    // a scheduler with no pause: flush until nothing is due
                }
                return events / ((consumer.awaitLast() - start) / 1e9);
            } finally {
                workers.shutdown();
                workers.awaitTermination(1, TimeUnit.MINUTES);
                DrainSubject.execute("DROP TABLE IF EXISTS TXNO_OUTBOX, TXNO_VERSION");
            }
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
    private static final class Receiver implements AutoCloseable {
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
                    seen.add(KafkaDeliverySuite.number(body));
                    if (seen.size() >= expected && last.get() == 0) {
                        last.set(System.nanoTime());
                        done.countDown();
                    }
                }
            });
        }

        long awaitLast() throws InterruptedException {
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
