package dev.ballast.bench.outbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * One subject of the fair drain comparison. {@link #prepare} builds a backlog through the subject's own append path
 * (8 threads, one event per transaction, over 1,000 aggregates) and then runs {@code VACUUM ANALYZE} on the subject's
 * tables: the same table preparation for all. {@link #drain} returns the seconds from the start of the drain until the
 * consumer has seen the last event, on this JVM's clock: the same window for all.
 */
@SuppressWarnings("try") // close() waits for what it stopped; an interrupt then is the caller's to handle
interface DrainSubject extends AutoCloseable {

    void prepare(int backlog, Durability durability) throws Exception;

    double drain() throws Exception;

    @Override
    void close() throws Exception;

    /** Runs statements outside a transaction (VACUUM cannot run in one) on a connection of its own. */
    static void execute(String... statements) throws Exception {
        try (Connection connection = DriverManager.getConnection(Durability.BASE_URL, "postgres", "");
                Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    /** Waits until {@code done} or 30 minutes; the end of a window is stamped by the consumer, not by this wait. */
    static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 30L * 60 * 1_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
