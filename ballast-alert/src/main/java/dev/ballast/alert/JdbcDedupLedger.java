package dev.ballast.alert;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A {@link DedupLedger} in a table {@code <prefix>alert_dedup} of the service's database (created if missing;
 * PostgreSQL, MariaDB/MySQL, H2), one row per fingerprint and severity: who claimed it, when, and how many repeats the
 * other instances counted since. Each instance (each ledger object) has an owner id of its own. A claim is an insert
 * (the primary key lets one instance win), else one conditional update that takes over a claim older than the window
 * (one instance wins it), else an increment of the holder's counter; every statement runs on its own (auto-commit),
 * with a 2 s query timeout. Thread-safe.
 */
public final class JdbcDedupLedger implements DedupLedger {

    private static final int KEY = 500;
    private static final int TIMEOUT_SECONDS = 2;

    private final DataSource dataSource;
    private final String table;
    private final String owner = UUID.randomUUID().toString();

    /** A ledger in {@code <prefix>alert_dedup}; {@code prefix} is letters, digits and underscores. */
    public JdbcDedupLedger(DataSource dataSource, String prefix) {
        if (!prefix.matches("[A-Za-z0-9_]{0,40}")) {
            throw new IllegalArgumentException(
                    "Dedup table prefix must be up to 40 letters, digits or '_', was '" + prefix + "'");
        }
        this.dataSource = dataSource;
        this.table = prefix + "alert_dedup";
        createTable();
    }

    /** The table's name. */
    public String table() {
        return table;
    }

    @Override
    public Claim claim(String key, Instant now, Duration window) {
        String id = cut(key);
        long at = now.toEpochMilli();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            if (insert(connection, id, at)) {
                return Claim.won(0);
            }
            long counted = counted(connection, id);
            if (takeOver(connection, id, at, now.minus(window).toEpochMilli())) {
                return Claim.won(counted);
            }
            count(connection, id);
            return Claim.HELD;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot claim an alert in " + table + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void release(String fingerprint) {
        String sql = "DELETE FROM " + table + " WHERE fingerprint = ?";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement(sql)) {
            connection.setAutoCommit(true);
            delete.setQueryTimeout(TIMEOUT_SECONDS);
            delete.setString(1, cut(fingerprint));
            delete.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot release an alert in " + table + ": " + e.getMessage(), e);
        }
    }

    private boolean insert(Connection connection, String key, long at) throws SQLException {
        String sql =
                "INSERT INTO " + table + " (dedup_key, fingerprint, owner, claimed_at, repeats) VALUES (?, ?, ?, ?, 0)";
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setQueryTimeout(TIMEOUT_SECONDS);
            insert.setString(1, key);
            insert.setString(2, fingerprintOf(key));
            insert.setString(3, owner);
            insert.setLong(4, at);
            insert.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                return false; // claimed before, by this instance or another
            }
            throw e;
        }
    }

    private long counted(Connection connection, String key) throws SQLException {
        String sql = "SELECT repeats, owner FROM " + table + " WHERE dedup_key = ?";
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            select.setQueryTimeout(TIMEOUT_SECONDS);
            select.setString(1, key);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? row.getLong(1) : 0;
            }
        }
    }

    private boolean takeOver(Connection connection, String key, long at, long staleBefore) throws SQLException {
        String sql = "UPDATE " + table + " SET owner = ?, claimed_at = ?, repeats = 0"
                + " WHERE dedup_key = ? AND (claimed_at <= ? OR owner = ?)";
        try (PreparedStatement update = connection.prepareStatement(sql)) {
            update.setQueryTimeout(TIMEOUT_SECONDS);
            update.setString(1, owner);
            update.setLong(2, at);
            update.setString(3, key);
            update.setLong(4, staleBefore);
            update.setString(5, owner);
            return update.executeUpdate() == 1;
        }
    }

    private void count(Connection connection, String key) throws SQLException {
        String sql = "UPDATE " + table + " SET repeats = repeats + 1 WHERE dedup_key = ?";
        try (PreparedStatement update = connection.prepareStatement(sql)) {
            update.setQueryTimeout(TIMEOUT_SECONDS);
            update.setString(1, key);
            update.executeUpdate();
        }
    }

    private void createTable() {
        String ddl = "CREATE TABLE IF NOT EXISTS " + table + " (dedup_key VARCHAR(" + KEY + ") NOT NULL PRIMARY KEY,"
                + " fingerprint VARCHAR(" + KEY + ") NOT NULL, owner VARCHAR(64) NOT NULL,"
                + " claimed_at BIGINT NOT NULL, repeats BIGINT NOT NULL)";
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(ddl);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create the dedup table " + table + ": " + e.getMessage(), e);
        }
    }

    /** Keys are {@code <severity>|<fingerprint>}: the fingerprint is what follows the first bar. */
    private static String fingerprintOf(String key) {
        int bar = key.indexOf('|');
        return bar < 0 ? key : key.substring(bar + 1);
    }

    private static String cut(String text) {
        return text.length() <= KEY ? text : text.substring(0, KEY);
    }
}
