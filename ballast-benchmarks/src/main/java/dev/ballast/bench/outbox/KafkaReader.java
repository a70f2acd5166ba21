package dev.ballast.bench.outbox;

import dev.ballast.test.KafkaBroker;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic from the beginning on a thread of its own; stamps the read of each event number, and the last. */
@SuppressWarnings("try") // close() waits for the reading thread; an interrupt then is the caller's to handle
final class KafkaReader implements LastRead {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong last = new AtomicLong();
    private final Thread thread;
    private final int expected;
    private volatile Exception failure;

    KafkaReader(KafkaBroker kafka, String topic, int expected) {
        this(kafka, topic, expected, null);
    }

    KafkaReader(KafkaBroker kafka, String topic, int expected, long[] readAt) {
        this.expected = expected;
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5");
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(Set.of(topic));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (consumer.assignment().size() < 6) { // joined before the drain starts, so no rebalance inside it
            if (System.nanoTime() > deadline) {
                consumer.close();
                throw new IllegalStateException("the consumer was not assigned the topic's 6 partitions");
            }
            consumer.poll(Duration.ofMillis(100));
        }
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        thread = Thread.ofPlatform().name("bench-consumer").start(() -> {
            try (consumer) {
                while (running.get() && seen.size() < expected) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                        long n = DeliveryEvents.number(record.value());
                        if (readAt != null && readAt[(int) n] == 0) {
                            readAt[(int) n] = System.nanoTime();
                        }
                        seen.add(n);
                    }
                    if (seen.size() >= expected) {
                        last.set(System.nanoTime());
                    }
                }
            } catch (Exception e) {
                failure = e;
            }
        });
    }

    /** The nanoTime at which the consumer had read every expected event; waits at most 30 minutes. */
    @Override
    public long awaitLast() throws Exception {
        thread.join(Duration.ofMinutes(30));
        if (failure != null) {
            throw failure;
        }
        if (last.get() == 0) {
            throw new IllegalStateException("the consumer did not read " + expected + " events");
        }
        return last.get();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(Duration.ofSeconds(10));
    }
}
