package dev.ballast.alert.action;

import dev.ballast.core.sql.SqlStates;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ledger in a table {@code <prefix>alert_action} (created if missing; PostgreSQL, MariaDB/MySQL, H2): the primary
 * key on the nonce makes a claim succeed once across every instance sharing the database, and the rows are the audit
 * trail. Where each instance answers links is in {@code <prefix>alert_action_instance} (created if missing too): one
 * row per instance name, its base URL and when it announced it. Thread-safe.
 */
public final class JdbcActionLedger implements ActionLedger {

    private static final Logger log = LoggerFactory.getLogger(JdbcActionLedger.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int TEXT = 2000;

    private final DataSource dataSource;
    private final String table;
    private final String instances;

    /** A ledger in {@code <prefix>alert_action}; {@code prefix} is letters, digits and underscores. */
    public JdbcActionLedger(DataSource dataSource, String prefix) {
        if (!prefix.matches("[A-Za-z0-9_]{0,40}")) {
            throw new IllegalArgumentException(
                    "Action table prefix must be up to 40 letters, digits or '_', was '" + prefix + "'");
        }
        this.dataSource = dataSource;
        this.table = prefix + "alert_action";
        this.instances = prefix + "alert_action_instance";
        createTable();
    }

    /** The table's name. */
    public String table() {
        return table;
    }

    /** The name of the table of instances' addresses. */
    public String instanceTable() {
        return instances;
    }

    private void createTable() {
        String ddl = "CREATE TABLE IF NOT EXISTS " + table + " (nonce VARCHAR(64) NOT NULL PRIMARY KEY,"
                + " operation VARCHAR(64) NOT NULL, arguments VARCHAR(" + TEXT + ") NOT NULL,"
                + " fingerprint VARCHAR(500) NOT NULL, actor VARCHAR(200) NOT NULL, requested_at BIGINT NOT NULL,"
                + " finished_at BIGINT, outcome VARCHAR(16) NOT NULL, result VARCHAR(" + TEXT + ") NOT NULL)";
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(ddl);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create the action table " + table + ": " + e.getMessage(), e);
        }
        String addresses = "CREATE TABLE IF NOT EXISTS " + instances + " (instance_name VARCHAR(100) NOT NULL PRIMARY"
                + " KEY, base_url VARCHAR(" + TEXT + ") NOT NULL, announced_at BIGINT NOT NULL)";
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(addresses);
        } catch (SQLException e) {
            // links need the audit table; without this one, a link bound to another instance points at the signer's
            // own address, as before (e.g. a database user that may use the audit table but not create tables)
            log.warn(
                    "Cannot create {} (where instances answer action links): {}; links bound to another instance"
                            + " point at the signing instance's own base-url",
                    instances,
                    e.getMessage());
        }
    }

    @Override
    public void announce(String instance, URI baseUrl, Instant at) {
        String update = "UPDATE " + instances + " SET base_url = ?, announced_at = ? WHERE instance_name = ?";
        String insert = "INSERT INTO " + instances + " (base_url, announced_at, instance_name) VALUES (?, ?, ?)";
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            // the portable upsert: an update, else an insert, else (another start of the same name won the insert)
            // the update again
            if (write(connection, update, instance, baseUrl, at) == 0) {
                try {
                    write(connection, insert, instance, baseUrl, at);
                } catch (SQLException e) {
                    if (!SqlStates.isIntegrityViolation(e)) {
                        throw e;
                    }
                    write(connection, update, instance, baseUrl, at);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Cannot record where instance '" + instance + "' answers in " + instances + ": " + e.getMessage(),
                    e);
        }
    }

    private static int write(Connection connection, String sql, String instance, URI baseUrl, Instant at)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, cut(baseUrl.toString(), TEXT));
            statement.setLong(2, at.toEpochMilli());
            statement.setString(3, instance);
            return statement.executeUpdate();
        }
    }

    @Override
    public Map<String, URI> announced() {
        String sql = "SELECT instance_name, base_url FROM " + instances;
        Map<String, URI> found = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql)) {
            select.setQueryTimeout(5);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    try {
                        found.put(row.getString(1), URI.create(row.getString(2)));
                    } catch (IllegalArgumentException e) {
                        // not written by announce(): left out, that instance's links keep the signer's own address
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Cannot read where instances answer from " + instances + ": " + e.getMessage(), e);
        }
        return found;
    }

    @Override
    public boolean claim(ActionRecord record) {
        String sql = "INSERT INTO " + table + " (nonce, operation, arguments, fingerprint, actor, requested_at,"
                + " outcome, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(sql)) {
            connection.setAutoCommit(true);
            insert.setString(1, record.nonce());
            insert.setString(2, record.operation());
            insert.setString(3, cut(JSON.writeValueAsString(record.arguments()), TEXT));
            insert.setString(4, cut(record.fingerprint(), 500));
            insert.setString(5, cut(record.actor(), 200));
            insert.setLong(6, record.requestedAt().toEpochMilli());
            insert.setString(7, record.outcome().name());
            insert.setString(8, cut(record.result(), TEXT));
            insert.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (SqlStates.isIntegrityViolation(e)) {
                return false; // the nonce is there: used before
            }
            throw new IllegalStateException("Cannot record the action in " + table + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void finish(String nonce, Instant at, ActionRecord.Outcome outcome, String result) {
        String sql = "UPDATE " + table + " SET finished_at = ?, outcome = ?, result = ? WHERE nonce = ?";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement(sql)) {
            connection.setAutoCommit(true);
            update.setLong(1, at.toEpochMilli());
            update.setString(2, outcome.name());
            update.setString(3, cut(result, TEXT));
            update.setString(4, nonce);
            update.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot record the action result in " + table + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<ActionRecord> find(String nonce) {
        String sql = "SELECT operation, arguments, fingerprint, actor, requested_at, finished_at, outcome, result FROM "
                + table + " WHERE nonce = ?";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql)) {
            select.setString(1, nonce);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                long finished = row.getLong(6);
                Instant finishedAt = row.wasNull() ? null : Instant.ofEpochMilli(finished);
                Map<String, String> arguments =
                        JSON.readValue(row.getString(2), new TypeReference<LinkedHashMap<String, String>>() {});
                return Optional.of(new ActionRecord(
                        nonce,
                        row.getString(1),
                        arguments,
                        row.getString(3),
                        row.getString(4),
                        Instant.ofEpochMilli(row.getLong(5)),
                        finishedAt,
                        ActionRecord.Outcome.valueOf(row.getString(7)),
                        row.getString(8)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the action from " + table + ": " + e.getMessage(), e);
        }
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
