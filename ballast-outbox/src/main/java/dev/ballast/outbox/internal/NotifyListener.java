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
 * own thread until interrupted; reconnects after a failure, and wakes the relay once it listens again (the database
 * answers, and notifications sent meanwhile are lost).
 */
public final class NotifyListener implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(NotifyListener.class);

    private final DataSource dataSource;
    private final OutboxTables tables;
    private final Runnable wake;
    private final int timeoutMillis;

    public NotifyListener(DataSource dataSource, OutboxTables tables, Runnable wake, int timeoutMillis) {
        this.dataSource = dataSource;
        this.tables = tables;
        this.wake = wake;
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
        boolean reconnected = false;
        while (!Thread.currentThread().isInterrupted()) {
            try (Connection connection = dataSource.getConnection()) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + tables.channel()); // the channel is the validated table prefix
                }
                if (reconnected) {
                    // the database answers again, and what was notified while the connection was down is lost
                    reconnected = false;
                    wake.run();
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
                reconnected = true;
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
