package dev.ballast.testkit.outbox;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * Race tests wait until a second transaction really is blocked on the first one's row lock, as the database itself
 * reports it, instead of sleeping and hoping it got there.
 */
final class LockWaits {

    private LockWaits() {}

    /** Waits (at most 10 s) until some session of {@code dataSource}'s database waits for a lock another one holds. */
    static void awaitASessionBlockedOnALock(DataSource dataSource) {
        await("a transaction blocked on another's row lock")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> blockedSessions(dataSource) > 0);
    }

    private static int blockedSessions(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
            String query;
            if (product.contains("postgres")) {
                query = "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                        + " WHERE NOT l.granted AND a.datname = current_database()";
            } else if (product.contains("h2")) {
                // H2 runs in this JVM: a session blocked on a row lock shows as another session with a statement in
                // progress
                query = "SELECT count(*) FROM INFORMATION_SCHEMA.SESSIONS"
                        + " WHERE EXECUTING_STATEMENT IS NOT NULL AND SESSION_ID <> SESSION_ID()";
            } else {
                query = "SELECT count(*) FROM information_schema.INNODB_LOCK_WAITS";
            }
            try (ResultSet rows = statement.executeQuery(query)) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }
}
