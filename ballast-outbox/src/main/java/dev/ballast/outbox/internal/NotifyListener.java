package dev.ballast.outbox.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL LISTEN on the outbox channel from one dedicated connection; each notification (sent by an append, at its
 * commit) wakes the relay. Only a hint: polling still runs, so a lost notification costs one poll interval. Runs on its
 * own thread until interrupted; reconnects after a failure, and tells the relay once it listens again ({@code
 * reconnected}: the database answers, notifications sent meanwhile are lost, and the server may be another one).
 */
public final class NotifyListener implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(NotifyListener.class);

    private final DataSource dataSource;
    private final OutboxTables tables;
    private final Runnable wake;
    private final Runnable reconnected;
    private final int timeoutMillis;

    public NotifyListener(
            DataSource dataSource, OutboxTables tables, Runnable wake, Runnable reconnected, int timeoutMillis) {
        this.dataSource = dataSource;
        this.tables = tables;
        this.wake = wake;
        this.reconnected = reconnected;
        this.timeoutMillis = timeoutMillis;
    }

    /** True if the outbox is on PostgreSQL and its driver is on the classpath. */
    public static boolean supported(OutboxTables tables) {
        if (!tables.isPostgres()) {
            return false;
        }
        try {
            Class.forName("org.postgresql.PGConnection", false, NotifyListener.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Override
    public void run() {
        boolean lost = false;
        while (!Thread.currentThread().isInterrupted()) {
            try (Connection connection = dataSource.getConnection()) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + tables.channel()); // the channel is the validated table prefix
                }
                if (lost) {
                    // the database answers again, and what was notified while the connection was down is lost
                    lost = false;
                    reconnected.run();
                }
                PGConnection postgres = connection.unwrap(PGConnection.class);
                while (!Thread.currentThread().isInterrupted()) {
                    PGNotification[] notifications = postgres.getNotifications(timeoutMillis);
                    if (notifications != null && notifications.length > 0) {
                        wake.run();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                lost = true;
                log.debug("Outbox LISTEN connection failed, reconnecting: {}", e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }
}
