package dev.ballast.bench.outbox;

import io.namastack.outbox.Outbox;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The Namastack outbox 1.6.0 (JDBC starter) on its production path: records scheduled in transactions by one
 * application context with processing held back (no publish after save, a one-hour poll), then a second context, as
 * after a restart, whose processing scheduler drains them with a 100 ms poll (the interval Ballast's relay gets too)
 * and otherwise Namastack's defaults. Window: from the moment the second context starts its processing scheduler (a
 * lifecycle bean of the phase just before the scheduler's stamps it) to the last handled record.
 */
@SuppressWarnings("try") // close() may be interrupted; resources only held open are unreferenced
final class NamastackDrainSubject implements DrainSubject {

    /** Stamps the moment the lifecycle phase before Namastack's scheduler (phase 1) starts. */
    static final class DrainStart implements SmartLifecycle {
        static final AtomicLong startedAt = new AtomicLong();
        private volatile boolean running;

        @Override
        public void start() {
            startedAt.set(System.nanoTime());
            running = true;
        }

        @Override
        public void stop() {
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }

        @Override
        public int getPhase() {
            return 0;
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    public static class App {
        @Bean
        NamastackDrain.CountingHandler countingHandler() {
            return new NamastackDrain.CountingHandler();
        }

        @Bean
        DrainStart drainStart() {
            return new DrainStart();
        }
    }

    private Map<String, Object> common;
    private int backlog;

    @Override
    public void prepare(int backlog, Durability durability) throws Exception {
        this.backlog = backlog;
        common = new HashMap<>(Map.of(
                "spring.datasource.url", durability.url(),
                "spring.datasource.username", "postgres",
                "spring.datasource.hikari.maximum-pool-size", "20",
                "spring.main.web-application-type", "none",
                "spring.main.banner-mode", "off",
                "namastack.outbox.jdbc.schema-initialization.enabled", "true",
                "logging.level.root", "ERROR",
                "spring.autoconfigure.exclude", ModulithDrainSubject.MODULITH_AUTO_CONFIGURATIONS));
        DrainSubject.execute("DROP TABLE IF EXISTS outbox_record, outbox_instance, outbox_partition");
        Map<String, Object> holding = new HashMap<>(common);
        holding.put("namastack.outbox.processing.publish-after-save", "false");
        holding.put("namastack.outbox.poll-interval", "1h");
        holding.put("namastack.outbox.polling.fixed.interval", "1h");
        try (ConfigurableApplicationContext context = run(holding)) {
            Outbox outbox = context.getBean(Outbox.class);
            TransactionTemplate transactions = context.getBean(TransactionTemplate.class);
            Backlog.fill(
                    backlog,
                    id -> transactions.executeWithoutResult(status -> outbox.schedule(
                            new ModulithDrain.OrderPlaced(
                                    UUID.randomUUID().toString(), "A-" + (id % 1000), "005930", "BUY", 10, "71200.00"),
                            "O-" + (id % 1000))));
        }
        if (NamastackDrain.CountingHandler.handled.get() != 0) {
            throw new IllegalStateException(
                    "the holding context handled records: " + NamastackDrain.CountingHandler.handled.get());
        }
        DrainSubject.execute("VACUUM ANALYZE outbox_record", "VACUUM ANALYZE outbox_partition");
    }

    @Override
    public double drain() throws Exception {
        NamastackDrain.CountingHandler.handled.set(0);
        DrainStart.startedAt.set(0);
        Map<String, Object> draining = new HashMap<>(common);
        draining.put("namastack.outbox.poll-interval", "100ms");
        draining.put("namastack.outbox.polling.fixed.interval", "100ms");
        try (ConfigurableApplicationContext context = run(draining)) {
            DrainSubject.await(() -> NamastackDrain.CountingHandler.handled.get() >= backlog, "Namastack");
            return (NamastackDrain.CountingHandler.lastNanos - DrainStart.startedAt.get()) / 1e9;
        } finally {
            NamastackDrain.CountingHandler.handled.set(0);
        }
    }

    private static ConfigurableApplicationContext run(Map<String, Object> properties) {
        SpringApplication application = new SpringApplication(App.class);
        application.setDefaultProperties(properties);
        return application.run();
    }

    @Override
    public void close() throws Exception {
        DrainSubject.execute("DROP TABLE IF EXISTS outbox_record, outbox_instance, outbox_partition");
    }
}
