package dev.ballast.bench.outbox;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.PublishResult;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/** Ballast's relay with {@code threads} workers, polling every 100 ms when idle (as the peers), no LISTEN. */
@SuppressWarnings("try") // close() may be interrupted; resources only held open are unreferenced
final class BallastDrainSubject implements DrainSubject {

    static final byte[] PAYLOAD = ("{\"orderId\":\"7f1c0e2a-0000-4000-8000-000000000000\",\"accountId\":\"A-1\","
                    + "\"symbol\":\"005930\",\"side\":\"BUY\",\"quantity\":10,\"price\":\"71200.00\"}")
            .getBytes(StandardCharsets.UTF_8);

    private final int threads;
    private HikariDataSource pool;
    private Outbox outbox;
    private String prefix;
    private int backlog;
    private Durability durability;

    BallastDrainSubject(int threads) {
        this.threads = threads;
    }

    @Override
    public void prepare(int backlog, Durability durability) throws Exception {
        this.backlog = backlog;
        this.durability = durability;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(durability.url());
        config.setUsername("postgres");
        config.setMaximumPoolSize(20);
        pool = new HikariDataSource(config);
        prefix = "bench" + UUID.randomUUID().toString().substring(0, 6) + "_";
        outbox = Outbox.builder(pool).tablePrefix(prefix).createSchema(true).build();
        Backlog.fill(backlog, n -> {
            try (Connection connection = pool.getConnection()) {
                connection.setAutoCommit(false);
                outbox.append(connection, OutboxEvent.of("r-" + n, "Order", "O-" + (n % 1000), "OrderPlaced", PAYLOAD));
                connection.commit();
            }
        });
        DrainSubject.execute("VACUUM ANALYZE " + prefix + "outbox", "VACUUM ANALYZE " + prefix + "outbox_aggregate");
    }

    @Override
    public double drain() throws Exception {
        AtomicLong published = new AtomicLong();
        AtomicLong last = new AtomicLong();
        OutboxPublisher ack = batch -> {
            if (published.addAndGet(batch.size()) >= backlog) {
                last.set(System.nanoTime());
            }
            return batch.stream().map(message -> PublishResult.published()).toList();
        };
        long start = System.nanoTime();
        try (OutboxRelay relay = outbox.relay(ack)
                .threads(threads)
                .batchAggregates(100)
                .maxPerAggregate(50)
                .pollInterval(Duration.ofMillis(100))
                .listen(false)
                .asynchronousCommit(durability == Durability.OFF)
                .build()
                .start()) {
            DrainSubject.await(() -> published.get() >= backlog, "Ballast relay");
        }
        return (last.get() - start) / 1e9;
    }

    @Override
    public void close() throws Exception {
        if (pool != null) {
            DrainSubject.execute("DROP TABLE IF EXISTS " + String.join(", ", Outbox.tableNames(prefix)));
            pool.close();
        }
    }
}
