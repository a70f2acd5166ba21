package dev.ballast.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * What a test does with a {@link KafkaBroker}'s topics: creating one (and waiting until the broker lists it), listing
 * them, and reading every committed record of one. Used only by {@link KafkaBroker}; stateless (each call opens and
 * closes its own client), so any thread may call it. Guards that a created topic is visible to the next client that
 * lists topics, and that a read does not stop before records past the expected count had a chance to show up.
 */
final class KafkaTopics {

    private KafkaTopics() {}

    /** Creates {@code name} with {@code partitions} partitions (replication factor 1) and waits until it is listed. */
    static void create(Admin admin, String name, int partitions) {
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            // the controller has created it; the broker's metadata may lag by a moment, and a client that lists topics
            // right away (a publisher verifying its routes) must see it
            Eventually.within(
                    Duration.ofSeconds(30), "topic " + name + " listed by the broker", () -> listed(admin, name));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create topic " + name, e);
        }
    }

    /** The topic names on the broker. */
    static Set<String> names(Admin admin) {
        try {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not list topics", e);
        }
    }

    /** As {@link KafkaBroker#readAll}. */
    static List<ConsumerRecord<String, byte[]>> readAll(
            String bootstrapServers, String topic, int expected, Duration bound) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "check-" + Uuid.randomUuid());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + bound.toNanos();
            int emptyPolls = 0;
            while (System.nanoTime() < deadline && (records.size() < expected || emptyPolls < 2)) {
                var polled = consumer.poll(Duration.ofMillis(500));
                polled.forEach(records::add);
                emptyPolls = records.size() >= expected && polled.isEmpty() ? emptyPolls + 1 : 0;
            }
        }
        return records;
    }

    private static boolean listed(Admin admin, String name) {
        try {
            return admin.listTopics().names().get(5, TimeUnit.SECONDS).contains(name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }
}
