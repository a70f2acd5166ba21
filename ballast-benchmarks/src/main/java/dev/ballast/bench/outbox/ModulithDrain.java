package dev.ballast.bench.outbox;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.modulith.events.FailedEventPublications;
import org.springframework.modulith.events.ResubmissionOptions;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The peer of {@link OutboxHarness}'s drain: Spring Modulith's JDBC event publication registry on the same
 * PostgreSQL. A backlog of N publications is created through Modulith itself (events published in transactions, 8
 * threads, while the listener still fails, so Modulith marks them FAILED), then the listener acks at once and the time
 * for {@code FailedEventPublications.resubmit(ResubmissionOptions.defaults())} to complete them all is measured.
 *
 * <p>Run: {@code java -cp ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.outbox.ModulithDrain [backlog]}.
 */
public final class ModulithDrain {

    private ModulithDrain() {}

    /** The event; Modulith serialises it to JSON in {@code event_publication}. */
    public record OrderPlaced(
            String orderId, String accountId, String symbol, String side, long quantity, String price) {}

    /**
     * Fails while {@code FAILING}, so publications stay incomplete; then acks at once. Static state: Modulith proxies the
     * bean, and a field written through the proxy would not be the one the target reads.
     */
    public static class Listener {
        static volatile boolean failing = true;
        static final AtomicLong handled = new AtomicLong();

        @TransactionalEventListener
        public void on(OrderPlaced event) {
            if (failing) {
                throw new IllegalStateException("broker not ready");
            }
            handled.incrementAndGet();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    public static class App {
        @Bean
        Listener listener() {
            return new Listener();
        }
    }

    public static void main(String[] args) throws Exception {
        int backlog = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        SpringApplication application = new SpringApplication(App.class);
        application.setDefaultProperties(withoutNamastack(java.util.Map.of(
                "spring.datasource.url", "jdbc:postgresql://127.0.0.1:5432/test",
                "spring.datasource.username", "postgres",
                "spring.datasource.hikari.maximum-pool-size", "20",
                "spring.main.web-application-type", "none",
                "spring.main.banner-mode", "off",
                "spring.modulith.events.jdbc.schema-initialization.enabled", "true",
                "spring.modulith.events.republish-outstanding-events-on-restart", "false",
                "logging.level.root", "ERROR",
                "logging.level.org.springframework.modulith", "OFF",
                "logging.level.org.springframework.transaction", "OFF")));
        try (ConfigurableApplicationContext context = application.run()) {
            DataSource dataSource = context.getBean(DataSource.class);
            execute(dataSource, "TRUNCATE event_publication");
            ApplicationEventPublisher events = context;
            TransactionTemplate transactions = context.getBean(TransactionTemplate.class);
            Backlog.fill(backlog, id -> {
                try {
                    transactions.executeWithoutResult(status -> events.publishEvent(new OrderPlaced(
                            UUID.randomUUID().toString(), "A-" + (id % 1000), "005930", "BUY", 10, "71200.00")));
                } catch (RuntimeException expected) {
                    // the failing listener's exception may surface here; the publication stays incomplete
                }
            });
            long incomplete = count(dataSource, "SELECT COUNT(*) FROM event_publication WHERE completion_date IS NULL");
            Listener.failing = false;
            long start = System.nanoTime();
            // Modulith 2 marks a publication whose listener threw as FAILED; resubmitting those is its recovery path.
            // One call takes up to the options' in-flight limit, so call it again until none is left, as a
            // scheduled resubmission would (without the schedule's pause).
            FailedEventPublications failed = context.getBean(FailedEventPublications.class);
            int calls = 0;
            while (count(dataSource, "SELECT COUNT(*) FROM event_publication WHERE completion_date IS NULL") > 0) {
                failed.resubmit(ResubmissionOptions.defaults());
                calls++;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.println("| peer drain of a " + incomplete + "-publication backlog | seconds | events/s |");
            System.out.println("|---|---|---|");
            System.out.printf(
                    "| Spring Modulith 2.1.1 JDBC registry, FailedEventPublications.resubmit (default options) | %.1f | %.0f |%n",
                    seconds, incomplete / seconds);
            System.out.println("listener calls: " + Listener.handled.get() + ", resubmit calls: " + calls);
            execute(dataSource, "TRUNCATE event_publication");
        }
    }

    /** The Namastack peer shares this jar: keep its auto-configuration out of the Modulith run. */
    static java.util.Map<String, Object> withoutNamastack(java.util.Map<String, Object> properties) {
        java.util.Map<String, Object> all = new java.util.HashMap<>(properties);
        all.put(
                "spring.autoconfigure.exclude",
                "io.namastack.outbox.OutboxJacksonAutoConfiguration,"
                        + "io.namastack.outbox.config.JdbcOutboxAutoConfiguration,"
                        + "io.namastack.outbox.config.JdbcOutboxSchemaAutoConfiguration,"
                        + "io.namastack.outbox.config.OutboxCoreInfrastructureAutoConfiguration,"
                        + "io.namastack.outbox.config.OutboxCoreMulticasterAutoConfiguration,"
                        + "io.namastack.outbox.config.OutboxCoreProcessingAutoConfiguration,"
                        + "io.namastack.outbox.config.OutboxCoreSchedulingAutoConfiguration,"
                        + "io.namastack.outbox.config.OutboxCoreThreadingAutoConfiguration");
        return all;
    }

    private static void execute(DataSource dataSource, String sql) throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    static long count(DataSource dataSource, String sql) throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }
}
