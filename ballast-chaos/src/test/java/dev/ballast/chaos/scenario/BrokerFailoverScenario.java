package dev.ballast.chaos.scenario;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageClusterBuilder;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.Checker;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.OrderChecks;
import dev.ballast.chaos.Scenario;
import dev.ballast.test.ChildService;
import dev.ballast.test.KafkaBroker;
import dev.ballast.test.RabbitVirtualHost;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The outbox delivering through a broker (Kafka, RabbitMQ) while the database behind both ends fails over: the
 * relays' outbox and the settlement consumer's inbox are on the same PostgreSQL pair as in (31), whose primary is
 * SIGKILLed and whose synchronous standby is promoted 5 s later. Hypothesis: a relay that published but could not
 * record it publishes again after the promotion, and the inbox absorbs the repeat; a settlement that failed because the
 * database was gone waits out the outage instead of being dead-lettered; so every acknowledged order reaches a reader
 * of the broker in per-aggregate order, is settled exactly once, and nothing is dead-lettered on either side.
 */
@ExtendWith(ChaosReport.class)
class BrokerFailoverScenario {

    private static final int CLIENTS = 6;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    private static final String READER_QUEUE = "chaos.reader";

    @Test
    @DisplayName("(33) PostgreSQL primary lost while the outbox delivers to Kafka, standby promoted")
    void throughADatabaseFailoverEveryOrderReachesKafkaInOrderAndIsSettledOnce(Scenario scenario) throws Exception {
        scenario.fault("SIGKILL of the PostgreSQL primary under order+deposit load while 2 instances' relays publish"
                + " to Kafka (KRaft, own child JVM) and their settlement consumers write to the inbox on the same"
                + " database; the synchronous standby promoted 5 s later; the old primary stays dead");
        try (KafkaBroker kafka = KafkaBroker.create().start()) {
            run(
                    scenario,
                    BrokerageCluster.builder("failover-kafka")
                            .postgresStandby()
                            .env("SPRING_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())
                            .env("BROKERAGE_ORDERS_ACCEPTED_EVENT", "true"),
                    () -> Consumed.kafkaTopic(
                            kafka.bootstrapServers(), KafkaFaultsScenario.TOPIC, Duration.ofSeconds(60)),
                    "Kafka");
        }
    }

    @Test
    @DisplayName("(34) PostgreSQL primary lost while the outbox delivers to RabbitMQ, standby promoted")
    void throughADatabaseFailoverEveryOrderReachesRabbitMqInOrderAndIsSettledOnce(Scenario scenario) throws Exception {
        scenario.fault("SIGKILL of the PostgreSQL primary under order+deposit load while 2 instances' relays publish"
                + " to RabbitMQ (own virtual host, publisher confirms) and their settlement consumers write to the"
                + " inbox on the same database; the synchronous standby promoted 5 s later; the old primary stays"
                + " dead");
        try (RabbitVirtualHost rabbit = RabbitVirtualHost.create().createNow();
                Connection connection = RabbitFaultsScenario.factory(rabbit).newConnection("chaos-reader");
                Channel channel = connection.createChannel()) {
            // the example's topology before it starts, so that nothing published early is unroutable, and the test's
            // own reader queue beside the settlement queue
            channel.exchangeDeclare("brokerage.orders", "topic", true);
            channel.queueDeclare("brokerage.settlement", true, false, false, Map.of("x-single-active-consumer", true));
            channel.queueDeclare(READER_QUEUE, true, false, false, null);
            for (String queue : List.of("brokerage.settlement", READER_QUEUE)) {
                channel.queueBind(queue, "brokerage.orders", "OrderPlaced");
                channel.queueBind(queue, "brokerage.orders", "OrderAccepted");
            }
            run(
                    scenario,
                    BrokerageCluster.builder("failover-rabbit")
                            .postgresStandby()
                            .env("SPRING_RABBITMQ_HOST", rabbit.host())
                            .env("SPRING_RABBITMQ_PORT", Integer.toString(rabbit.port()))
                            .env("SPRING_RABBITMQ_VIRTUAL_HOST", rabbit.name())
                            .env("SPRING_RABBITMQ_USERNAME", "guest")
                            .env("SPRING_RABBITMQ_PASSWORD", "guest")
                            .env("BROKERAGE_ORDERS_ACCEPTED_EVENT", "true"),
                    () -> Consumed.rabbitQueue(channel, READER_QUEUE, Duration.ofSeconds(60)),
                    "RabbitMQ");
        }
    }

    /** What the test's own reader of the broker read, once every event is published. */
    interface Reader {
        Consumed read() throws Exception;
    }

    private static void run(Scenario scenario, BrokerageClusterBuilder builder, Reader reader, String broker)
            throws Exception {
        try (BrokerageCluster cluster = builder.instances(2).start()) {
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, REQUEST_TIMEOUT);
            try (Load load = Load.start(history, CLIENTS, workload::ordersAndDeposits)) {
                new FaultWindow(200, Duration.ofSeconds(5), 200)
                        .run(history, load, cluster.postgres()::kill, cluster.postgresStandby()::promote);
            }
            Duration drained = Waits.until(
                    "every event published",
                    Duration.ofSeconds(90),
                    () -> cluster.count(KafkaFaultsScenario.PENDING) == 0);
            long orders = cluster.count("SELECT COUNT(*) FROM orders");
            long settled = Waits.settlements(cluster, orders);
            long outboxDead = cluster.count("SELECT COUNT(*) FROM ballast_outbox_dlq");
            long inboxDead = cluster.count("SELECT COUNT(*) FROM ballast_inbox_dlq");
            long secondEvents = cluster.count("SELECT COUNT(*) FROM ballast_outbox WHERE event_type = 'OrderAccepted'");
            double gaps = inboxGaps(cluster);
            Consumed consumed = reader.read();
            long withSecond = consumed.aggregatesWithSequence(2);
            Checker[] more = {
                consumed.noAcknowledgedEventLost(),
                consumed.perAggregateOrder(),
                ignored -> Check.of(
                        "every order's second event (OrderAccepted) at the consumer",
                        withSecond == secondEvents && secondEvents == orders,
                        orders + " orders, " + secondEvents + " OrderAccepted events stored, " + withSecond + " read"),
                ignored -> Check.of(
                        "the outbox drains within " + DatabaseFaultsScenario.DRAIN_LIMIT.toSeconds()
                                + " s of the load's end",
                        drained.compareTo(DatabaseFaultsScenario.DRAIN_LIMIT) <= 0,
                        "pending 0 after " + drained.toMillis() + " ms"),
                ignored -> Check.of(
                        "every order settled exactly once by the example's " + broker + " consumer (inbox)",
                        settled == orders,
                        orders + " orders, " + settled + " settlements"),
                ignored -> Check.of(
                        "the settlement consumer handled each order's events in order (no sequence gap reported)",
                        gaps == 0,
                        (long) gaps + " gaps (ballast_inbox_gaps_total over the instances)"),
                ignored -> Check.of(
                        "nothing dead-lettered by the outage, on either side",
                        outboxDead == 0 && inboxDead == 0,
                        outboxDead + " outbox dead letters, " + inboxDead + " inbox dead letters")
            };
            scenario.recoveryOf(history)
                    .verify(
                            history,
                            OrderChecks.underDatabaseFault(
                                    cluster,
                                    DatabaseFaultsScenario.FAST_FAILURE,
                                    DatabaseFaultsScenario.RECOVERY_LIMIT,
                                    more));
        }
    }

    /** The sequence gaps the instances' inboxes reported. */
    private static double inboxGaps(BrokerageCluster cluster) throws Exception {
        double gaps = 0;
        for (ChildService instance : cluster.instances()) {
            gaps += instance.metric("ballast_inbox_gaps_total\\{[^}]*\\}");
        }
        return gaps;
    }
}
