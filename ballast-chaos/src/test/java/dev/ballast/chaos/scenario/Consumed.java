package dev.ballast.chaos.scenario;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.Checker;
import dev.ballast.chaos.NoAcknowledgedWriteLost;
import dev.ballast.chaos.Operation;
import dev.ballast.chaos.PerAggregateOrder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What a downstream consumer of the brokers read (a consumer of the test's own, not the example's settlement
 * listener): each message's aggregate id (the order id) and sequence, in the order read. Immutable.
 *
 * @param messages the messages, in the order read
 */
record Consumed(List<PerAggregateOrder.Delivery> messages) {

    /** Reads every record of {@code topic} from the beginning to its current end, partition by partition. */
    static Consumed kafkaTopic(String bootstrapServers, String topic, Duration limit) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "chaos-reader-" + UUID.randomUUID());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<PerAggregateOrder.Delivery> read = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, limit).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, limit);
            long deadline = System.nanoTime() + limit.toNanos();
            Map<TopicPartition, List<PerAggregateOrder.Delivery>> byPartition = new HashMap<>();
            while (!reachedEnd(consumer, end)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("could not read " + topic + " to its end " + end + " within " + limit);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    byPartition
                            .computeIfAbsent(
                                    new TopicPartition(record.topic(), record.partition()), p -> new ArrayList<>())
                            .add(new PerAggregateOrder.Delivery(
                                    header(record, "ballast-aggregate-id"),
                                    Long.parseLong(header(record, "ballast-sequence"))));
                }
            }
            byPartition.values().forEach(read::addAll);
        }
        return new Consumed(read);
    }

    /** The first record of {@code topic} (waiting for one). */
    static ConsumerRecord<String, byte[]> firstRecord(String bootstrapServers, String topic, Duration limit) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "chaos-first-" + UUID.randomUUID());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + limit.toNanos();
            while (System.nanoTime() - deadline < 0) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    return record;
                }
            }
        }
        throw new AssertionError("no record in " + topic + " within " + limit);
    }

    /** Takes every message ready in {@code queue} (acknowledging each), in queue order. */
    static Consumed rabbitQueue(Channel channel, String queue, Duration limit) throws IOException {
        List<PerAggregateOrder.Delivery> read = new ArrayList<>();
        long deadline = System.nanoTime() + limit.toNanos();
        GetResponse message;
        while ((message = channel.basicGet(queue, true)) != null) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("could not drain " + queue + " within " + limit);
            }
            Map<String, Object> headers = message.getProps().getHeaders();
            read.add(new PerAggregateOrder.Delivery(
                    String.valueOf(headers.get("ballast-aggregate-id")),
                    Long.parseLong(String.valueOf(headers.get("ballast-sequence")))));
        }
        return new Consumed(read);
    }

    /** The order id the example derives from an Idempotency-Key (OrderService). */
    static String orderIdOf(String idempotencyKey) {
        return UUID.nameUUIDFromBytes(("order:" + idempotencyKey).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    /** The distinct aggregates (orders) read. */
    Set<String> orderIds() {
        Set<String> ids = new HashSet<>();
        messages.forEach(message -> ids.add(message.aggregateId()));
        return ids;
    }

    /**
     * Every acknowledged order's event reached this consumer, and it read no event of an order no client sent: {@link
     * NoAcknowledgedWriteLost} on the Idempotency-Keys whose order id was read (an order id no key maps to stays as
     * itself, a phantom).
     */
    Checker noAcknowledgedEventLost() {
        return history -> {
            Map<String, String> keyOf = new HashMap<>();
            for (Operation op : history.operations("order")) {
                keyOf.put(orderIdOf(op.key()), op.key());
            }
            Set<String> keys = new HashSet<>();
            for (String orderId : orderIds()) {
                keys.add(keyOf.getOrDefault(orderId, orderId));
            }
            Check check = new NoAcknowledgedWriteLost("order", keys).check(history);
            return Check.of(
                    "every acknowledged order's event reached the consumer, none of an order never sent",
                    check.passed(),
                    check.detail().replace(" stored", " at the consumer") + " (" + messages.size() + " messages)");
        };
    }

    /** How many aggregates (orders) had {@code sequence} read (e.g. 2: their second event). */
    long aggregatesWithSequence(long sequence) {
        return messages.stream()
                .filter(message -> message.sequence() == sequence)
                .map(PerAggregateOrder.Delivery::aggregateId)
                .distinct()
                .count();
    }

    /** {@link PerAggregateOrder} on what was read. */
    Checker perAggregateOrder() {
        return new PerAggregateOrder(messages);
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
            if (consumer.position(partition.getKey()) < partition.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        if (header == null) {
            throw new AssertionError("record " + record.partition() + "@" + record.offset() + " has no " + name);
        }
        return new String(header.value(), StandardCharsets.UTF_8);
    }
}
