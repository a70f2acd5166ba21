package dev.ballast.bench.outbox;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.modulith.events.ApplicationModuleListener;
import org.springframework.modulith.events.IncompleteEventPublications;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Spring Modulith 2.1.1's JDBC event publication registry on its production path. An {@link
 * ApplicationModuleListener} (asynchronous, its own transaction: what Modulith recommends) on Boot's application task
 * executor. The backlog: events published in transactions while the listener fails (a broker that is down), so the
 * publications stay incomplete. The drain: {@code IncompleteEventPublications.resubmitIncompletePublications(p ->
 * true)}, called once: exactly what Modulith runs at start-up with {@code
 * spring.modulith.events.republish-outstanding-events-on-restart=true}, its way to recover a backlog (it is called
 * here in the running context, so the window does not include a context start; no {@code COUNT(*)} between calls).
 * Window: from that call to the listener's last event.
 */
@SuppressWarnings("try") // close() may be interrupted; resources only held open are unreferenced
final class ModulithDrainSubject implements DrainSubject {

    /**
     * Modulith's Kafka externalization shares this jar (the Kafka drain's peer, {@link ModulithKafkaDrain}): kept out of
     * this JDBC-only run, which declares no externalization (its auto-configuration would fail the context for want of
     * an {@code EventExternalizationConfiguration}), and out of the Namastack run.
     */
    static final String MODULITH_KAFKA_AUTO_CONFIGURATIONS =
            "org.springframework.modulith.events.kafka.KafkaEventExternalizerConfiguration,"
                    + "org.springframework.modulith.events.kafka.KafkaJackson2Configuration,"
                    + "org.springframework.modulith.events.kafka.KafkaJacksonConfiguration";

    /** Keeps Modulith out of the Namastack contexts (they share this jar). */
    static final String MODULITH_AUTO_CONFIGURATIONS =
            "org.springframework.modulith.events.config.EventExternalizationAutoConfiguration,"
                    + "org.springframework.modulith.events.config.EventPublicationAutoConfiguration,"
                    + "org.springframework.modulith.events.jdbc.JdbcEventPublicationAutoConfiguration,"
                    + "org.springframework.modulith.events.jackson.JacksonEventSerializationConfiguration,"
                    + "org.springframework.modulith.events.jackson2.Jackson2EventSerializationConfiguration,"
                    + "org.springframework.modulith.moments.autoconfigure.MomentsAutoConfiguration,"
                    + "org.springframework.modulith.moments.autoconfigure.MomentsJacksonAutoConfiguration,"
                    + "org.springframework.modulith.core.config.ApplicationModuleInitializerRuntimeVerification,"
                    + MODULITH_KAFKA_AUTO_CONFIGURATIONS;

    /** Fails while {@code failing}; then acks at once. Static: Modulith proxies the bean. */
    public static class Listener {
        static volatile boolean failing = true;
        static final AtomicLong failures = new AtomicLong();
        static final AtomicLong handled = new AtomicLong();
        static volatile long lastNanos;

        @ApplicationModuleListener
        public void on(ModulithDrain.OrderPlaced event) {
            if (failing) {
                failures.incrementAndGet();
                throw new IllegalStateException("broker not ready");
            }
            handled.incrementAndGet();
            lastNanos = System.nanoTime();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableAsync
    public static class App {
        @Bean
        Listener listener() {
            return new Listener();
        }
    }

    private ConfigurableApplicationContext context;
    private int backlog;

    @Override
    public void prepare(int backlog, Durability durability) throws Exception {
        this.backlog = backlog;
        Map<String, Object> properties = new HashMap<>(Map.of(
                "spring.datasource.url", durability.url(),
                "spring.datasource.username", "postgres",
                "spring.datasource.hikari.maximum-pool-size", "20",
                "spring.main.web-application-type", "none",
                "spring.main.banner-mode", "off",
                "spring.modulith.events.jdbc.schema-initialization.enabled", "true",
                "spring.modulith.events.republish-outstanding-events-on-restart", "false",
                "logging.level.root", "OFF"));
        properties.put(
                "spring.autoconfigure.exclude",
                NAMASTACK_AUTO_CONFIGURATIONS + "," + MODULITH_KAFKA_AUTO_CONFIGURATIONS);
        SpringApplication application = new SpringApplication(App.class);
        application.setDefaultProperties(properties);
        context = application.run();
        DrainSubject.execute("TRUNCATE event_publication");
        Listener.failing = true;
        Listener.failures.set(0);
        Listener.handled.set(0);
        ApplicationEventPublisher events = context;
        TransactionTemplate transactions = context.getBean(TransactionTemplate.class);
        Backlog.fill(
                backlog,
                id -> transactions.executeWithoutResult(status -> events.publishEvent(new ModulithDrain.OrderPlaced(
                        UUID.randomUUID().toString(), "A-" + (id % 1000), "005930", "BUY", 10, "71200.00"))));
        ThreadPoolTaskExecutor executor = context.getBean("applicationTaskExecutor", ThreadPoolTaskExecutor.class);
        DrainSubject.await(
                () -> Listener.failures.get() >= backlog
                        && executor.getActiveCount() == 0
                        && executor.getThreadPoolExecutor().getQueue().isEmpty(),
                "Modulith's failing listener");
        DrainSubject.execute("VACUUM ANALYZE event_publication");
    }

    @Override
    public double drain() throws Exception {
        Listener.failing = false;
        long start = System.nanoTime();
        context.getBean(IncompleteEventPublications.class).resubmitIncompletePublications(publication -> true);
        DrainSubject.await(() -> Listener.handled.get() >= backlog, "Modulith");
        return (Listener.lastNanos - start) / 1e9;
    }

    @Override
    public void close() throws Exception {
        if (context != null) {
            context.close();
        }
        DrainSubject.execute("TRUNCATE event_publication");
    }

    static final String NAMASTACK_AUTO_CONFIGURATIONS = "io.namastack.outbox.OutboxJacksonAutoConfiguration,"
            + "io.namastack.outbox.config.JdbcOutboxAutoConfiguration,"
            + "io.namastack.outbox.config.JdbcOutboxSchemaAutoConfiguration,"
            + "io.namastack.outbox.config.OutboxCoreInfrastructureAutoConfiguration,"
            + "io.namastack.outbox.config.OutboxCoreMulticasterAutoConfiguration,"
            + "io.namastack.outbox.config.OutboxCoreProcessingAutoConfiguration,"
            + "io.namastack.outbox.config.OutboxCoreSchedulingAutoConfiguration,"
            + "io.namastack.outbox.config.OutboxCoreThreadingAutoConfiguration";
}
