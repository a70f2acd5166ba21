package dev.ballast.outbox.kafka;

import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.PublishResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;

/**
 * Publishes outbox messages to Kafka with an idempotent producer ({@code enable.idempotence=true}, {@code acks=all},
 * at most 5 requests in flight per connection, so retries keep the order). The record key is the aggregate id, so one
 * aggregate's events land in one partition, in order; the value is the payload as stored; the headers are
 * {@link OutboxHeaders}. The topic comes from a {@link TopicRouter}.
 *
 * <p>A relay wave is sent as one batch: every record is handed to the producer, the producer is flushed, then each
 * record's result is read. Results map to the relay as follows:
 *
 * <ul>
 *   <li>acknowledged → published;
 *   <li>record too large → dead letter {@code RECORD_TOO_LARGE}; invalid topic → {@code INVALID_DESTINATION};
 *       authorization or authentication → {@code NOT_AUTHORIZED}; serialization → {@code SERIALIZATION}; no route →
 *       {@code NO_ROUTE};
 *   <li>a timeout while the producer has no connection to any broker → broker unavailable (the relay's outage pause:
 *       attempts given back);
 *   <li>other retriable errors (timeouts with the broker reachable, not enough replicas, leader change) → retry with
 *       the relay's backoff;
 *   <li>anything else → failed (retried, dead-lettered after the relay's maximum attempts).
 * </ul>
 *
 * Thread-safe (the producer is shared by the relay's threads). Close it after the relay.
 */
public final class KafkaOutboxPublisher implements OutboxPublisher, AutoCloseable {

    private final Producer<String, byte[]> producer;
    private final TopicRouter router;
    private final Duration closeTimeout;
    private final @Nullable MetricName connectionCount;

    private KafkaOutboxPublisher(Producer<String, byte[]> producer, TopicRouter router, Duration closeTimeout) {
        this.producer = producer;
        this.router = router;
        this.closeTimeout = closeTimeout;
        this.connectionCount = producer.metrics().keySet().stream()
                .filter(name ->
                        name.group().equals("producer-metrics") && name.name().equals("connection-count"))
                .findFirst()
                .orElse(null);
    }

    /**
     * A builder over the producer settings {@code producerConfig} (at least {@code bootstrap.servers}; e.g. Spring
     * Boot's {@code KafkaProperties.buildProducerProperties()}).
     */
    public static Builder builder(Map<String, ?> producerConfig) {
        return new Builder(producerConfig);
    }

    @Override
    public List<PublishResult> publish(List<OutboxMessage> batch) {
        List<PublishResult> results = new ArrayList<>(batch.size());
        List<@Nullable Future<RecordMetadata>> futures = new ArrayList<>(batch.size());
        PublishResult shortCircuit = null;
        for (OutboxMessage message : batch) {
            if (shortCircuit != null) { // the broker is unreachable: the rest would wait max.block.ms each
                results.add(shortCircuit);
                futures.add(null);
                continue;
            }
            try {
                Future<RecordMetadata> future = producer.send(record(message));
                futures.add(future);
                results.add(null);
                if (future.isDone()) { // failed before sending, e.g. no metadata or too large
                    PublishResult early = result(future);
                    results.set(results.size() - 1, early);
                    futures.set(futures.size() - 1, null);
                    if (early instanceof PublishResult.Failed failed
                            && failed.kind() == PublishResult.Failed.Kind.UNAVAILABLE) {
                        shortCircuit = early;
                    }
                }
            } catch (TopicRouter.NoRouteException e) {
                results.add(PublishResult.rejected(DeadLetterReason.NO_ROUTE, e));
                futures.add(null);
            } catch (RuntimeException e) { // thrown by send itself: serializer, interceptor, closed producer
                results.add(map(e));
                futures.add(null);
            }
        }
        producer.flush();
        for (int i = 0; i < futures.size(); i++) {
            Future<RecordMetadata> future = futures.get(i);
            if (future != null) {
                results.set(i, result(future));
            }
        }
        return results;
    }

    /** The Kafka producer's own metrics (e.g. for a Micrometer {@code KafkaClientMetrics} binder). */
    public Map<MetricName, ? extends Metric> metrics() {
        return producer.metrics();
    }

    @Override
    public void close() {
        producer.close(closeTimeout);
    }

    private ProducerRecord<String, byte[]> record(OutboxMessage message) {
        String topic = router.topic(message);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, message.aggregateId(), message.payload());
        OutboxHeaders.of(message).forEach((name, value) -> record.headers()
                .add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8))));
        return record;
    }

    private PublishResult result(Future<RecordMetadata> future) {
        try {
            future.get();
            return PublishResult.published();
        } catch (ExecutionException e) {
            return map(e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return PublishResult.failed(e);
        }
    }

    PublishResult map(Throwable error) {
        if (error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException) {
            return PublishResult.rejected(DeadLetterReason.RECORD_TOO_LARGE, error);
        }
        if (error instanceof InvalidTopicException) {
            return PublishResult.rejected(DeadLetterReason.INVALID_DESTINATION, error);
        }
        if (error instanceof AuthorizationException || error instanceof AuthenticationException) {
            return PublishResult.rejected(DeadLetterReason.NOT_AUTHORIZED, error);
        }
        if (error instanceof SerializationException) {
            return PublishResult.rejected(DeadLetterReason.SERIALIZATION, error);
        }
        if (error instanceof TimeoutException) {
            return connected() ? PublishResult.retry(error) : PublishResult.unavailable(error);
        }
        if (error instanceof RetriableException) {
            return PublishResult.retry(error);
        }
        if (error instanceof KafkaException) {
            return PublishResult.failed(new KafkaPublishException(error));
        }
        return PublishResult.failed(error);
    }

    /** True if the producer has at least one open connection to a broker. */
    private boolean connected() {
        if (connectionCount == null) {
            return true;
        }
        Metric metric = producer.metrics().get(connectionCount);
        return metric == null || !(metric.metricValue() instanceof Double count) || count > 0;
    }

    /**
     * A non-retriable Kafka error that is not one of the permanent refusals (e.g. a fenced or failed idempotent
     * producer): the relay retries it and dead-letters it after its maximum attempts.
     */
    static final class KafkaPublishException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        KafkaPublishException(Throwable cause) {
            super(cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * A producer setting {@link Builder#build()} refuses: one that would let the producer reorder or lose an
     * aggregate's events ({@code acks}, {@code enable.idempotence}, {@code max.in.flight.requests.per.connection}), or
     * a missing {@code bootstrap.servers}.
     */
    public static final class InvalidSettingException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        private final String setting;
        private final @Nullable String value;
        private final String requirement;

        InvalidSettingException(String setting, @Nullable Object value, String requirement) {
            super(setting + " " + requirement + (value == null ? "" : ", was " + value));
            this.setting = setting;
            this.value = value == null ? null : value.toString();
            this.requirement = requirement;
        }

        /** The Kafka producer setting, e.g. {@code acks}. */
        public String setting() {
            return setting;
        }

        /** Its value as given, or null when it is missing. */
        public @Nullable String value() {
            return value;
        }

        /** What a valid value is, e.g. {@code must be all for the outbox's idempotent producer}. */
        public String requirement() {
            return requirement;
        }
    }

    /**
     * {@link Builder#build()}'s check of the routed topics failed: some do not exist ({@link #missingTopics()}), or no
     * broker answered in time ({@link #missingTopics()} empty, the cause says why).
     */
    public static final class TopicCheckException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        private final Set<String> topics;
        private final Set<String> missingTopics;
        private final String bootstrapServers;

        TopicCheckException(
                String message,
                Set<String> topics,
                Set<String> missingTopics,
                String bootstrapServers,
                @Nullable Throwable cause) {
            super(message, cause);
            this.topics = Set.copyOf(topics);
            this.missingTopics = Set.copyOf(missingTopics);
            this.bootstrapServers = bootstrapServers;
        }

        /** Every topic the router knows, the ones checked. */
        public Set<String> topics() {
            return new TreeSet<>(topics);
        }

        /** The routed topics the broker does not have; empty when no broker answered. */
        public Set<String> missingTopics() {
            return new TreeSet<>(missingTopics);
        }

        /** True when no broker answered the check (nothing is known about the topics). */
        public boolean brokerUnreachable() {
            return missingTopics.isEmpty();
        }

        /** The {@code bootstrap.servers} that were asked. */
        public String bootstrapServers() {
            return bootstrapServers;
        }
    }

    /** Builds a {@link KafkaOutboxPublisher}. */
    public static final class Builder {
        private final Map<String, Object> config = new HashMap<>();
        private @Nullable TopicRouter router;
        private boolean verifyTopics = true;
        private Duration closeTimeout = Duration.ofSeconds(10);
        private Function<Map<String, Object>, Producer<String, byte[]>> factory =
                settings -> new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());

        private Builder(Map<String, ?> producerConfig) {
            config.putAll(producerConfig);
        }

        /** The topic router; required. */
        public Builder router(TopicRouter topicRouter) {
            this.router = Objects.requireNonNull(topicRouter, "router");
            return this;
        }

        /** Routes by event type ({@link TopicRouter#byEventType}). */
        public Builder routes(Map<String, String> topicsByEventType) {
            return router(TopicRouter.byEventType(topicsByEventType));
        }

        /**
         * Whether {@link #build()} checks that every topic the router knows exists (default true): a missing topic
         * fails start-up, naming it, instead of dead-lettering events later.
         */
        public Builder verifyTopics(boolean verify) {
            this.verifyTopics = verify;
            return this;
        }

        /** How long {@link #close()} waits for records in flight (default 10 s). */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = Objects.requireNonNull(timeout, "closeTimeout");
            return this;
        }

        /**
         * Creates the producer and checks the topics.
         *
         * @throws IllegalArgumentException if there is no router
         * @throws InvalidSettingException if there is no {@code bootstrap.servers}, or a setting contradicts idempotence
         *     ({@code acks} other than all, more than 5 requests in flight, idempotence off)
         * @throws TopicCheckException if a routed topic does not exist or no broker answered the check
         */
        public KafkaOutboxPublisher build() {
            if (router == null) {
                throw new IllegalArgumentException("A topic router is required (router(...) or routes(...))");
            }
            if (config.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
                throw new InvalidSettingException(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, null, "is required");
            }
            Map<String, Object> settings = new HashMap<>(config);
            settings.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
            settings.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
            require(settings, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            require(settings, ProducerConfig.ACKS_CONFIG, "all", "-1");
            Object inFlight = settings.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
            if (inFlight != null && Integer.parseInt(inFlight.toString()) > 5) {
                throw new InvalidSettingException(
                        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                        inFlight,
                        "must be at most 5 for an idempotent producer to keep the order");
            }
            settings.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
            settings.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0); // a wave is flushed at once anyway
            // a wave waits at most this long: well inside the relay's 30 s lease
            settings.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
            settings.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
            settings.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
            settings.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "ballast-outbox");
            if (verifyTopics && !router.knownTopics().isEmpty()) {
                verify(settings, router.knownTopics());
            }
            return new KafkaOutboxPublisher(factory.apply(settings), router, closeTimeout);
        }

        private static void require(Map<String, Object> settings, String key, String value, String... alsoAccepted) {
            Object current = settings.get(key);
            if (current == null) {
                settings.put(key, value);
                return;
            }
            String text = current.toString();
            if (!text.equalsIgnoreCase(value) && !List.of(alsoAccepted).contains(text)) {
                throw new InvalidSettingException(
                        key, text, "must be " + value + " for the outbox's idempotent producer");
            }
        }

        private static void verify(Map<String, Object> settings, Set<String> topics) {
            Map<String, Object> adminSettings = new HashMap<>();
            for (String key : List.of(
                    "bootstrap.servers",
                    "security.protocol",
                    "sasl.mechanism",
                    "sasl.jaas.config",
                    "ssl.truststore.location",
                    "ssl.truststore.password",
                    "ssl.truststore.type",
                    "ssl.keystore.location",
                    "ssl.keystore.password",
                    "ssl.keystore.type",
                    "ssl.key.password",
                    "ssl.endpoint.identification.algorithm",
                    "client.dns.lookup")) {
                if (settings.containsKey(key)) {
                    adminSettings.put(key, settings.get(key));
                }
            }
            adminSettings.put("request.timeout.ms", 5_000);
            adminSettings.put("default.api.timeout.ms", 10_000);
            // A one-off client: with Kafka's default (rebootstrap) an admin client whose brokers are all down goes back
            // to its bootstrap list on every turn of its loop, logging an INFO line each time (thousands a second)
            adminSettings.put("metadata.recovery.strategy", "none");
            String servers = String.valueOf(settings.get("bootstrap.servers"));
            Set<String> missing = new TreeSet<>(topics);
            try (Admin admin = Admin.create(adminSettings)) {
                Set<String> existing = admin.listTopics().names().get(15, TimeUnit.SECONDS);
                missing.removeAll(existing);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicCheckException(
                        "Interrupted while checking the outbox's Kafka topics", topics, Set.of(), servers, e);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new TopicCheckException(
                        "Could not check the outbox's Kafka topics " + topics + ": no broker answered at " + servers,
                        topics,
                        Set.of(),
                        servers,
                        e);
            }
            if (!missing.isEmpty()) {
                throw new TopicCheckException(
                        "Kafka topics routed to by the outbox do not exist: " + missing
                                + " (create them, or verifyTopics(false) if they are created later)",
                        topics,
                        missing,
                        servers,
                        null);
            }
        }
    }
}
