package dev.ballast.chaos.scenario;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.NoAcknowledgedWriteLost;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.ServerErrorBudget;
import dev.ballast.test.FaultProxy;
import dev.ballast.test.RabbitVirtualHost;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The outbox publishing to RabbitMQ (the example with {@code SPRING_RABBITMQ_HOST}) when its connections are cut. The
 * machine's RabbitMQ is shared, so it is never touched: the scenario uses a virtual host of its own
 * ({@code RabbitVirtualHost}) and cuts only the instances' connections, with RSTs from a {@link FaultProxy} in front of
 * port 5672. Hypothesis: publisher confirms keep every event pending until RabbitMQ has it, the publisher reconnects,
 * every acknowledged order's event reaches a consumer in per-aggregate order, and settlement books each order once.
 */
@ExtendWith(ChaosReport.class)
class RabbitFaultsScenario {

    private static final String EXCHANGE = "brokerage.orders";
    private static final String SETTLEMENT_QUEUE = "brokerage.settlement";
    private static final String READER_QUEUE = "chaos.reader";
    private static final String PUBLISHED = "SELECT COUNT(*) FROM ballast_outbox WHERE status = 'PUBLISHED'";

    @Test
    @DisplayName("(16) RabbitMQ connections closed mid-drain")
    void everyAcknowledgedOrderReachesTheConsumerAfterThePublishersConnectionsAreReset(Scenario scenario)
            throws Exception {
        scenario.fault("RST of the instances' RabbitMQ connections while the relays drain orders");
        try (RabbitVirtualHost rabbit = RabbitVirtualHost.create().createNow();
                Connection connection = factory(rabbit).newConnection("chaos-reader");
                Channel channel = connection.createChannel();
                FaultProxy proxy = FaultProxy.start(rabbit.port())) {
            // the example's topology, declared before it starts so that nothing published early is unroutable, and the
            // test's own reader queue beside the settlement queue
            channel.exchangeDeclare(EXCHANGE, "topic", true);
            channel.queueDeclare(SETTLEMENT_QUEUE, true, false, false, Map.of("x-single-active-consumer", true));
            channel.queueBind(SETTLEMENT_QUEUE, EXCHANGE, "OrderPlaced");
            channel.queueDeclare(READER_QUEUE, true, false, false, null);
            channel.queueBind(READER_QUEUE, EXCHANGE, "OrderPlaced");
            try (BrokerageCluster cluster = BrokerageCluster.builder("rabbit-reset")
                    .instances(2)
                    .env("SPRING_RABBITMQ_HOST", rabbit.host())
                    .env("SPRING_RABBITMQ_PORT", Integer.toString(proxy.port()))
                    .env("SPRING_RABBITMQ_VIRTUAL_HOST", rabbit.name())
                    .env("SPRING_RABBITMQ_USERNAME", "guest")
                    .env("SPRING_RABBITMQ_PASSWORD", "guest")
                    .start()) {
                History history = new History();
                BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
                AtomicLong pendingAtReset = new AtomicLong();
                AtomicInteger reset = new AtomicInteger();
                try (Load load = Load.start(history, 6, workload::order)) {
                    new FaultWindow(200, Duration.ofSeconds(5), 200)
                            .run(
                                    history,
                                    load,
                                    () -> {
                                        Waits.until(
                                                "the relay draining to RabbitMQ",
                                                Duration.ofSeconds(60),
                                                () -> cluster.count(PUBLISHED) >= 100);
                                        pendingAtReset.set(cluster.count(KafkaFaultsScenario.PENDING));
                                        reset.set(proxy.openConnections());
                                        proxy.reset(true);
                                    },
                                    proxy::heal);
                }
                long end = history.markOf(FaultWindow.END).orElseThrow();
                Waits.until(
                        "every event published",
                        Duration.ofSeconds(90),
                        () -> cluster.count(KafkaFaultsScenario.PENDING) == 0);
                scenario.recovery(Duration.ofNanos(System.nanoTime() - end));
                scenario.fault("RST of all " + reset.get()
                        + " RabbitMQ connections of 2 instances (fault proxy in front"
                        + " of 5672, own virtual host) while their relays drained orders (" + pendingAtReset.get()
                        + " pending), new connections refused for 5 s");
                long orders = cluster.count("SELECT COUNT(*) FROM orders");
                long settled = Waits.settlements(cluster, orders);
                int reconnected = proxy.openConnections();
                Consumed consumed = Consumed.rabbitQueue(channel, READER_QUEUE, Duration.ofSeconds(60));
                scenario.verify(
                        history,
                        new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                        consumed.noAcknowledgedEventLost(),
                        consumed.perAggregateOrder(),
                        new ServerErrorBudget(0), // the broker is not on the request path
                        ignored -> Check.of(
                                "the publishers reconnected",
                                reconnected > 0,
                                reconnected + " connections through the proxy after the fault, " + reset.get()
                                        + " before"),
                        ignored -> Check.of(
                                "every order settled exactly once by the example's RabbitMQ consumer (inbox)",
                                settled == orders,
                                orders + " orders, " + settled + " settlements"));
            }
        }
    }

    /** guest's connection factory for {@code rabbit}'s virtual host. */
    static ConnectionFactory factory(RabbitVirtualHost rabbit) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(rabbit.host());
        factory.setPort(rabbit.port());
        factory.setVirtualHost(rabbit.name());
        factory.setUsername("guest");
        factory.setPassword("guest");
        return factory;
    }
}
