package dev.ballast.example.brokerage.settlement;

import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.kafka.KafkaInbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.annotation.RabbitListener;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.retry.MessageRecoverer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Where the settlement consumer listens: the Kafka topic when {@code spring.kafka.bootstrap-servers} is set, the
 * RabbitMQ queue when {@code spring.rabbitmq.host} is, else the in-process application events of the embedded default.
 * Every path goes through the inbox ({@link Settlements}).
 */
final class SettlementListeners {

    /** The topic and exchange {@code OrderPlaced} is routed to (application.yml, ballast.outbox.*). */
    static final String ORDERS = "brokerage.orders";
    /** The RabbitMQ queue of the settlement consumer. */
    static final String SETTLEMENT_QUEUE = "brokerage.settlement";

    /** Single active consumer: see {@link RabbitSettlement#brokerageSettlementTopology}. */
    static final Map<String, Object> SETTLEMENT_QUEUE_ARGUMENTS = Map.of("x-single-active-consumer", true);

    private SettlementListeners() {}

    /**
     * Kafka: a {@code @KafkaListener} method and the topic (created by {@link OrdersTopic}, also when Kafka answers only
     * after start-up).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty("spring.kafka.bootstrap-servers")
    static class KafkaSettlement {

        private final Settlements settlements;

        KafkaSettlement(Settlements settlements) {
            this.settlements = settlements;
        }

        @Bean
        OrdersTopic brokerageOrdersTopic(KafkaAdmin admin) {
            return new OrdersTopic(
                    TopicBuilder.name(ORDERS).partitions(3).replicas(1).build(),
                    admin,
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(5));
        }

        /**
         * Boot puts it on the listener containers: a record whose handling fails (reported by its index in the batch,
         * the records before it committed) is delivered 3 times (200 ms apart), then dead-lettered by the inbox as
         * HANDLER_FAILED (Spring Kafka's default would log and skip it after 10 tries); an outage's failure makes the
         * recoverer throw, and the record is tried again later instead.
         */
        @Bean
        DefaultErrorHandler settlementErrorHandler() {
            return new DefaultErrorHandler(
                    (record, failure) -> settlements.giveUp(
                            name -> KafkaInbox.header(record, name),
                            record.value() instanceof byte[] body ? body : new byte[0],
                            failure),
                    new FixedBackOff(200, 2));
        }

        /**
         * A batch listener: a poll's records are settled in one transaction ({@link Settlements#receiveAll}); a record
         * that fails on its own is reported by index, so the error handler commits the records before it, retries it
         * and then dead-letters it, and the rest are delivered again.
         */
        @KafkaListener(topics = ORDERS, groupId = "brokerage-settlement", batch = "true")
        void on(List<ConsumerRecord<String, byte[]>> records) {
            List<Settlements.Received> batch = new ArrayList<>(records.size());
            for (ConsumerRecord<String, byte[]> record : records) {
                batch.add(new Settlements.Received(name -> KafkaInbox.header(record, name), record.value()));
            }
            try {
                settlements.receiveAll(batch);
            } catch (Settlements.BatchFailure failure) {
                Throwable cause = failure.getCause() == null ? failure : failure.getCause();
                throw new BatchListenerFailedException(
                        "settlement of record " + failure.index() + " of the batch failed", cause, failure.index());
            }
        }
    }

    /** RabbitMQ: a {@code @RabbitListener} method and the topology (declared by Spring's RabbitAdmin). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty("spring.rabbitmq.host")
    static class RabbitSettlement {

        private final Settlements settlements;

        RabbitSettlement(Settlements settlements) {
            this.settlements = settlements;
        }

        @Bean
        Declarables brokerageSettlementTopology() {
            TopicExchange orders = new TopicExchange(ORDERS);
            // single active consumer: every instance subscribes, RabbitMQ delivers to one at a time (another takes over
            // when it goes), so each order's events are handled in the order they were published; competing consumers
            // of one queue would handle an OrderAccepted while another instance still handles its OrderPlaced (chaos
            // scenario (34) fails on it)
            Queue queue = QueueBuilder.durable(SETTLEMENT_QUEUE)
                    .withArguments(SETTLEMENT_QUEUE_ARGUMENTS)
                    .build();
            // a refusal of this queue (an earlier version's arguments) is logged, not retried by RabbitAdmin for ~15 s
            // first: SettlementQueueCheck fails start-up with what to do at once
            queue.setIgnoreDeclarationExceptions(true);
            Binding binding = BindingBuilder.bind(queue).to(orders).with("OrderPlaced");
            // brokerage.orders.accepted-event: the order's second event reaches the same inbox, in sequence (and is
            // not unroutable); the settlement books only OrderPlaced
            Binding accepted = BindingBuilder.bind(queue).to(orders).with("OrderAccepted");
            return new Declarables(orders, queue, binding, accepted);
        }

        /** Fails start-up when the queue exists with other arguments (an earlier version's); see the class. */
        @Bean
        SettlementQueueCheck settlementQueueCheck(ConnectionFactory connections) {
            return new SettlementQueueCheck(connections, SETTLEMENT_QUEUE, SETTLEMENT_QUEUE_ARGUMENTS);
        }

        /**
         * Boot hands it to the listener's retry ({@code spring.rabbitmq.listener.simple.retry.*}: 3 attempts): a
         * message whose handling keeps failing is dead-lettered by the inbox as HANDLER_FAILED and acknowledged
         * (Spring AMQP's default would requeue it forever); an outage's failure makes it throw, so the message is
         * rejected, requeued and tried again later.
         */
        @Bean
        MessageRecoverer settlementRecoverer() {
            return (message, failure) -> settlements.giveUp(header(message), message.getBody(), failure);
        }

        @RabbitListener(queues = SETTLEMENT_QUEUE)
        void on(Message message) throws Exception {
            settlements.receive(header(message), message.getBody());
        }

        private static Function<String, @Nullable String> header(Message message) {
            return name -> {
                Object value = message.getMessageProperties().getHeader(name);
                return value == null ? null : value.toString();
            };
        }
    }

    /** The embedded default: the outbox's in-process publisher delivers application events. */
    @Component
    @ConditionalOnExpression("'${spring.kafka.bootstrap-servers:}' == '' and '${spring.rabbitmq.host:}' == ''")
    static class InProcessSettlement {

        private final Settlements settlements;

        InProcessSettlement(Settlements settlements) {
            this.settlements = settlements;
        }

        @EventListener
        void on(OutboxMessage message) throws Exception {
            settlements.receive(OutboxHeaders.of(message)::get, message.payload());
        }
    }
}
