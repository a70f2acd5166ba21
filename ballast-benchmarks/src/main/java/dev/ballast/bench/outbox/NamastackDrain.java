package dev.ballast.bench.outbox;

import io.namastack.outbox.Outbox;
import io.namastack.outbox.handler.OutboxHandler;
import io.namastack.outbox.handler.OutboxRecordMetadata;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The Namastack outbox (1.6.0, JDBC starter) peer of {@link OutboxHarness}'s drain, on the same PostgreSQL. A first
 * application context with processing held back (no publish after save, a one-hour poll interval) schedules N records
 * over 1,000 keys from 8 threads, one per transaction; it is closed, and a second context with a 100 ms poll interval
 * and otherwise Namastack's defaults drains them with a handler that acks at once. Reported: from the second
 * context's start, and from its first handled record, to the last. Tables are Namastack's own ({@code outbox_record},
 * {@code outbox_instance}, {@code outbox_partition}), dropped before and after.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.outbox.NamastackDrain [backlog]}.
 */
public final class NamastackDrain {

    private NamastackDrain() {}

    /** Acks at once and counts. */
    public static class CountingHandler implements OutboxHandler {
        static final AtomicLong handled = new AtomicLong();
        static volatile long firstNanos;
        static volatile long lastNanos;

        @Override
        public void handle(Object payload, OutboxRecordMetadata metadata) {
            long now = System.nanoTime();
            if (handled.incrementAndGet() == 1) {
                firstNanos = now;
            }
            lastNanos = now;
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    public static class App {
        @Bean
        CountingHandler countingHandler() {
            return new CountingHandler();
        }
    }

    public static void main(String[] args) throws Exception {
        int backlog = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Map<String, Object> common = new HashMap<>(Map.of(
                "spring.datasource.url",
                "jdbc:postgresql://127.0.0.1:5432/test",
                "spring.datasource.username",
                "postgres",
                "spring.datasource.hikari.maximum-pool-size",
                "20",
                "spring.main.web-application-type",
                "none",
                "spring.main.banner-mode",
                "off",
                "namastack.outbox.jdbc.schema-initialization.enabled",
                "true",
                "logging.level.root",
                "ERROR",
                "spring.autoconfigure.exclude", // Spring Modulith shares this jar: keep it out of the Namastack run
                "org.springframework.modulith.events.config.EventExternalizationAutoConfiguration,"
                        + "org.springframework.modulith.events.config.EventPublicationAutoConfiguration,"
                        + "org.springframework.modulith.events.jdbc.JdbcEventPublicationAutoConfiguration,"
                        + "org.springframework.modulith.events.jackson.JacksonEventSerializationConfiguration,"
                        + "org.springframework.modulith.events.jackson2.Jackson2EventSerializationConfiguration,"
                        + "org.springframework.modulith.moments.autoconfigure.MomentsAutoConfiguration,"
                        + "org.springframework.modulith.moments.autoconfigure.MomentsJacksonAutoConfiguration,"
                        + "org.springframework.modulith.core.config.ApplicationModuleInitializerRuntimeVerification"));
        dropTables(common);

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
        CountingHandler.handled.set(0);

        Map<String, Object> draining = new HashMap<>(common);
        draining.put("namastack.outbox.poll-interval", "100ms");
        draining.put("namastack.outbox.polling.fixed.interval", "100ms");
        long start = System.nanoTime();
        try (ConfigurableApplicationContext context = run(draining)) {
            DataSource dataSource = context.getBean(DataSource.class);
            long pending =
                    ModulithDrain.count(dataSource, "SELECT COUNT(*) FROM outbox_record WHERE completed_at IS NULL");
            long deadline = System.nanoTime() + 30L * 60 * 1_000_000_000L;
            while (CountingHandler.handled.get() < backlog && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            double total = (CountingHandler.lastNanos - start) / 1e9;
            double draining_ = (CountingHandler.lastNanos - CountingHandler.firstNanos) / 1e9;
            System.out.println("| peer drain of a " + backlog + "-record backlog (" + pending
                    + " pending when the second context was up) | seconds | events/s |");
            System.out.println("|---|---|---|");
            System.out.printf(
                    "| Namastack outbox 1.6.0 JDBC, from context start | %.1f | %.0f |%n",
                    total, CountingHandler.handled.get() / total);
            System.out.printf(
                    "| Namastack outbox 1.6.0 JDBC, from first to last handled | %.1f | %.0f |%n",
                    draining_, CountingHandler.handled.get() / draining_);
            System.out.println("handler calls: " + CountingHandler.handled.get());
        }
        dropTables(common);
    }

    private static ConfigurableApplicationContext run(Map<String, Object> properties) {
        SpringApplication application = new SpringApplication(App.class);
        application.setDefaultProperties(properties);
        return application.run();
    }

    private static void dropTables(Map<String, Object> properties) throws Exception {
        try (Connection connection = java.sql.DriverManager.getConnection(
                        (String) properties.get("spring.datasource.url"), "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS outbox_record, outbox_instance, outbox_partition");
        }
    }
}
