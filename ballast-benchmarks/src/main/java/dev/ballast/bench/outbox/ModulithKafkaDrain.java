package dev.ballast.bench.outbox;

import dev.ballast.test.KafkaBroker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.common.KafkaException;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.messaging.Message;
import org.springframework.modulith.events.EventExternalizationConfiguration;
import org.springframework.modulith.events.FailedEventPublications;
import org.springframework.modulith.events.ResubmissionOptions;
import org.springframework.modulith.events.RoutingTarget;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Spring Modulith's Kafka event externalization ({@code spring-modulith-events-kafka} 2.0.3 on the 2.1.1 events core)
 * as a peer of {@link KafkaDeliverySuite}'s drain: its production path, the JDBC event publication registry on the same
 * PostgreSQL and Boot's auto-configured {@code KafkaTemplate} ({@code spring.kafka.*}: {@code acks=all}, idempotence, at
 * most 5 in flight, as Ballast's publisher enforces), Modulith's externalizer sending each event and completing its
 * publication when the broker acknowledged it.
 *
 * <p>Backlog (not timed): an application whose {@code KafkaTemplate} refuses every send (a broker outage) publishes the
 * events in transactions from 8 threads; Modulith registers one publication per event, the externalizer's send fails
 * and Modulith marks it FAILED. Drain: a fresh application with the real template (the restart after the outage)
 * resubmits the failed publications ({@code FailedEventPublications.resubmit}, default options, called again while any
 * is still FAILED, as a scheduled resubmission would without its pause). Window: from the first resubmit to the
 * consumer's read of the last record. Afterwards every publication must be completed (checked, bounded wait).
 */
@SuppressWarnings("try") // the consumer is opened for its effect; its close() may wait (InterruptedException)
public final class ModulithKafkaDrain {

    private ModulithKafkaDrain() {}

    /** The event, externalized as JSON; {@code n} first, which the suite's consumer reads. */
    public record OrderPlaced(
            long n, String aggregateId, String accountId, String symbol, String side, long quantity, String price) {}

    /** The topic of the running trial (the route is read per event). */
    static volatile String topic = "unset";

    @SpringBootConfiguration
    @EnableAutoConfiguration
    public static class App {
        /** Externalize OrderPlaced to the trial's topic, keyed by aggregate (as Ballast keys its records). */
        @Bean
        EventExternalizationConfiguration externalization() {
            return EventExternalizationConfiguration.externalizing()
                    .select(OrderPlaced.class::isInstance)
                    .route(OrderPlaced.class, e -> RoutingTarget.forTarget(topic)
                            .andKey(e.aggregateId()))
                    .build();
        }
    }

    /** The backlog's application: the same, with a template that refuses every send (the broker is down). */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    public static class Outage extends App {
        @Bean
        KafkaTemplate<Object, Object> kafkaTemplate() {
            return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(Map.of("bootstrap.servers", "127.0.0.1:9"))) {
                @Override
                public CompletableFuture<SendResult<Object, Object>> send(Message<?> message) {
                    return CompletableFuture.failedFuture(new KafkaException("broker down (backlog phase)"));
                }
            };
        }
    }

    /** Builds the backlog, drains it to {@code trialTopic}; events per second over the window. */
    static double drain(KafkaBroker kafka, String trialTopic, int events, int perTransaction) throws Exception {
        topic = trialTopic;
        try (ConfigurableApplicationContext outage = start(Outage.class, kafka)) {
            DataSource dataSource = outage.getBean(DataSource.class);
            DrainSubject.execute("TRUNCATE event_publication");
            ApplicationEventPublisher publisher = outage;
            TransactionTemplate transactions = outage.getBean(TransactionTemplate.class);
            Backlog.fill(events, perTransaction, (first, last) -> {
                try {
                    transactions.executeWithoutResult(status -> {
                        for (long n = first; n <= last; n++) {
                            publisher.publishEvent(event(n));
                        }
                    });
                } catch (RuntimeException e) {
                    throw new IllegalStateException("publishing the backlog failed", e);
                }
            });
            // the failures are recorded after the publishing transactions return (200,000 of them take minutes on a
            // 2-vCPU machine): wait for the last, bounded
            long failed;
            long waitUntil = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while ((failed = ModulithDrain.count(
                                    dataSource, "SELECT COUNT(*) FROM event_publication WHERE status = 'FAILED'"))
                            < events
                    && System.nanoTime() < waitUntil) {
                Thread.sleep(Duration.ofMillis(50));
            }
            if (failed != events) {
                throw new IllegalStateException("backlog: " + failed + " FAILED publications of " + events);
            }
        }
        DrainSubject.execute("VACUUM ANALYZE event_publication");
        try (ConfigurableApplicationContext context = start(App.class, kafka);
                KafkaReader consumer = new KafkaReader(kafka, trialTopic, events)) {
            DataSource dataSource = context.getBean(DataSource.class);
            FailedEventPublications failed = context.getBean(FailedEventPublications.class);
            long start = System.nanoTime();
            long deadline = start + TimeUnit.MINUTES.toNanos(30);
            do {
                failed.resubmit(ResubmissionOptions.defaults());
            } while (ModulithDrain.count(dataSource, "SELECT COUNT(*) FROM event_publication WHERE status = 'FAILED'")
                            > 0
                    && System.nanoTime() < deadline);
            double perSecond = events / ((consumer.awaitLast() - start) / 1e9);
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long open;
            while ((open = ModulithDrain.count(
                                    dataSource, "SELECT COUNT(*) FROM event_publication WHERE completion_date IS NULL"))
                            > 0
                    && System.nanoTime() < waitUntil) {
                Thread.sleep(Duration.ofMillis(50));
            }
            if (open > 0) {
                throw new IllegalStateException(open + " publications not completed 60 s after the last read");
            }
            DrainSubject.execute("TRUNCATE event_publication");
            return perSecond;
        }
    }

    private static OrderPlaced event(long n) {
        return new OrderPlaced(n, "O-" + (n % 1000), "A-" + (n % 1000), "005930", "BUY", 10, "71200.00");
    }

    private static ConfigurableApplicationContext start(Class<?> app, KafkaBroker kafka) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("spring.datasource.url", Durability.ON.url());
        properties.put("spring.datasource.username", "postgres");
        properties.put("spring.datasource.hikari.maximum-pool-size", "20");
        properties.put("spring.main.web-application-type", "none");
        properties.put("spring.main.banner-mode", "off");
        properties.put("spring.modulith.events.jdbc.schema-initialization.enabled", "true");
        properties.put("spring.modulith.events.republish-outstanding-events-on-restart", "false");
        properties.put("spring.kafka.bootstrap-servers", kafka.bootstrapServers());
        properties.put("spring.kafka.producer.acks", "all");
        properties.put("spring.kafka.producer.properties.enable.idempotence", "true");
        properties.put("spring.kafka.producer.properties.max.in.flight.requests.per.connection", "5");
        properties.put("logging.level.root", "ERROR");
        properties.put("logging.level.org.springframework.modulith", "OFF");
        properties.put("logging.level.org.springframework.transaction", "OFF");
        properties.put("logging.level.org.springframework.kafka", "OFF");
        SpringApplication application = new SpringApplication(app);
        application.setDefaultProperties(ModulithDrain.withoutNamastack(properties));
        return application.run();
    }
}
