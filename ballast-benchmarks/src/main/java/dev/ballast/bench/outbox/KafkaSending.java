package dev.ballast.bench.outbox;

import dev.ballast.test.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * gruelbox's invoked method in the Kafka runs: send the record and wait for the broker's acknowledgement. Also the
 * producer settings both peers get.
 */
final class KafkaSending implements GruelboxDrain.Publisher {
    private final KafkaProducer<String, byte[]> producer;
    private final String topic;

    KafkaSending(KafkaProducer<String, byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    @Override
    public void publish(String aggregateId, String eventJson) {
        try {
            producer.send(new ProducerRecord<>(topic, aggregateId, eventJson.getBytes(StandardCharsets.UTF_8)))
                    .get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ballast's publisher's settings: the broker alone (it enforces acks=all and idempotence itself). */
    static Map<String, Object> producerConfig(KafkaBroker kafka) {
        return Map.of("bootstrap.servers", kafka.bootstrapServers());
    }

    /** The same producer settings Ballast's publisher enforces: acks=all, idempotence, at most 5 in flight. */
    static KafkaProducer<String, byte[]> producer(KafkaBroker kafka) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
    }
}
