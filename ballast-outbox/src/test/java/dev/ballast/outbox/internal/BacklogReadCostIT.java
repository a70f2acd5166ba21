package dev.ballast.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxStatus;
import dev.ballast.test.LocalDatabases;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * What an operator's status read (every {@code /actuator/health} and {@code /actuator/outbox}), the relay's pending
 * gauge and the relay's claim read grows with the backlog, not with the history the tables keep. Found by filling the
 * tables with a week's retention on PostgreSQL: the count by status read every published row, and the lease list and
 * the pending sum every aggregate ever written, on every read; and (by a black-box check) the claim, compared with the
 * volatile {@code clock_timestamp()}, read every aggregate on every poll of an idle relay. Here the tables hold
 * {@value #HISTORY} published events and
 * as many idle aggregates beside a backlog of {@value #BACKLOG} events, and each statement may read a few rows per
 * backlog row (the database's own count, from its plan as run), never the history.
 */
class BacklogReadCostIT {

    private static final int HISTORY = 20_000;
    private static final int BACKLOG = 10;
    private static final int AGGREGATES = 5;
    private static final int LEASED = 3;
    /** Rows one statement may read: a few per backlog row (an index entry, the row, a join's probe). */
    private static final long MAX_ROWS_READ = 5L * BACKLOG;

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void theStatusAndThePendingGaugeReadTheBacklogNotTheRetainedHistory(String database) throws Exception {
        withHistoryAndBacklog(database, (dataSource, connection, tables) -> {
            execute(
                    connection,
                    "UPDATE " + tables.aggregate + " SET lease_owner = 'relay-1', lease_until = " + tables.dialect.now
                            + " WHERE aggregate_id IN ('A-0', 'A-1', 'A-2')");
            analyze(connection, tables, database);

            OutboxStatus status = new StatusQuery(dataSource, tables, InstantSource.system()).read();
            assertThat(status.eventsByStatus()).isEqualTo(Map.of("PENDING", (long) BACKLOG, "DEAD", 0L));
            assertThat(status.oldestPendingAge()).isNotNull();
            assertThat(status.leases()).singleElement().satisfies(lease -> {
                assertThat(lease.owner()).isEqualTo("relay-1");
                assertThat(lease.aggregates()).isEqualTo(LEASED);
            });
            assertThat(longOf(connection, tables.pendingOverBusyAggregates()))
                    .as("the pending gauge")
                    .isEqualTo(BACKLOG);

            List<String> statements =
                    new ArrayList<>(new StatusQuery(dataSource, tables, InstantSource.system()).statements());
            statements.add(tables.pendingOverBusyAggregates());
            for (String sql : statements) {
                assertThat(rowsRead(connection, database, sql))
                        .as("rows read by %s beside %d rows of history", sql, HISTORY)
                        .isLessThanOrEqualTo(MAX_ROWS_READ);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void theRelaysClaimReadsTheDueAggregatesNotTheParkedOnes(String database) throws Exception {
        withHistoryAndBacklog(database, (dataSource, connection, tables) -> {
            analyze(connection, tables, database);
            String claim = RelayClaims.claimAggregates(tables)
                    .replaceFirst("\\?", "0")
                    .replaceFirst("\\?", "0")
                    .replaceFirst("\\?", "100");

            List<String> claimed = new ArrayList<>();
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery(claim)) {
                while (rows.next()) {
                    claimed.add(rows.getString(2));
                }
            }
            assertThat(claimed).containsExactlyInAnyOrder("A-0", "A-1", "A-2", "A-3", "A-4");
            assertThat(rowsRead(connection, database, claim))
                    .as("rows read by the claim beside %d parked aggregates", HISTORY)
                    .isLessThanOrEqualTo(MAX_ROWS_READ);
        });
    }

    /** What a test does on the outbox's tables once they hold the history and the backlog. */
    @FunctionalInterface
    private interface OnTables {
        void run(DataSource dataSource, Connection connection, OutboxTables tables) throws Exception;
    }

    /** Runs {@code test} on fresh tables holding the history and the backlog on {@code database}, then drops them. */
    private static void withHistoryAndBacklog(String database, OnTables test) throws Exception {
        DataSource dataSource = dataSource(database);
        String prefix = prefix();
        try (Connection connection = dataSource.getConnection()) {
            try {
                test.run(dataSource, connection, historyAndBacklog(dataSource, connection, prefix, database));
            } finally {
                drop(connection, prefix);
            }
        }
    }

    /** The outbox's tables with {@code prefix}, a history of {@value #HISTORY}, and the backlog appended. */
    private static OutboxTables historyAndBacklog(
            DataSource dataSource, Connection connection, String prefix, String database) throws SQLException {
        Outbox outbox = Outbox.builder(dataSource)
                .tablePrefix(prefix)
                .createSchema(true)
                .build();
        OutboxTables tables = OutboxTables.of(connection, prefix);
        writeHistory(connection, tables, database);
        connection.setAutoCommit(false);
        for (int i = 0; i < BACKLOG; i++) {
            outbox.append(
                    connection,
                    OutboxEvent.of(
                            "backlog-" + i,
                            "Account",
                            "A-" + (i % AGGREGATES),
                            "Deposited",
                            "{}".getBytes(StandardCharsets.UTF_8)));
        }
        connection.commit();
        connection.setAutoCommit(true);
        return tables;
    }

    private static DataSource dataSource(String database) {
        return database.equals("postgresql") ? LocalDatabases.sharedPostgres() : LocalDatabases.sharedMariadb();
    }

    private static String prefix() {
        return "brc" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    }

    private static void drop(Connection connection, String prefix) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String table : Outbox.tableNames(prefix)) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    /**
     * A week of retention in miniature: published events on as many aggregates, each aggregate idle (nothing pending,
     * parked as the relay leaves it).
     */
    private static void writeHistory(Connection connection, OutboxTables tables, String database) throws SQLException {
        String numbers = database.equals("postgresql")
                ? "generate_series(1, " + HISTORY + ") AS numbers(n)"
                : "(SELECT seq AS n FROM seq_1_to_" + HISTORY + ") AS numbers";
        String payload = database.equals("postgresql") ? "CAST('{}' AS BYTEA)" : "'{}'";
        String hash = "'" + "0".repeat(64) + "'";
        execute(
                connection,
                "INSERT INTO " + tables.outbox + " (event_id, request_id, request_hash, aggregate_type, aggregate_id,"
                        + " aggregate_seq, event_type, payload, headers, content_hash, created_at, status, attempts,"
                        + " published_at) SELECT CONCAT('past-', n), CONCAT('past-', n), " + hash
                        + ", 'Order', CONCAT('O-', n), 1, 'Filled', " + payload + ", '{}', " + hash + ", "
                        + tables.dialect.now + ", 'PUBLISHED', 1, " + tables.dialect.now + " FROM " + numbers);
        execute(
                connection,
                "INSERT INTO " + tables.aggregate
                        + " (aggregate_type, aggregate_id, last_seq, pending, next_attempt_at,"
                        + " claimed_to_seq) SELECT 'Order', CONCAT('O-', n), 1, 0, " + OutboxDialect.IDLE + ", 1 FROM "
                        + numbers);
    }

    private static void analyze(Connection connection, OutboxTables tables, String database) throws SQLException {
        for (String table : List.of(tables.outbox, tables.aggregate, tables.dlq)) {
            execute(connection, (database.equals("postgresql") ? "ANALYZE " : "ANALYZE TABLE ") + table);
        }
    }

    /** Rows the database read to answer {@code sql}, from its own account of running it. */
    private static long rowsRead(Connection connection, String database, String sql) throws Exception {
        String explain =
                database.equals("postgresql") ? "EXPLAIN (ANALYZE, FORMAT JSON) " + sql : "ANALYZE FORMAT=JSON " + sql;
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(explain)) {
            result.next();
            JsonNode plan = JSON.readTree(result.getString(1));
            return database.equals("postgresql") ? postgresRowsRead(plan) : mariadbRowsRead(plan);
        }
    }

    /** Every scan node's rows returned and rows it read and dropped, times its loops. */
    private static long postgresRowsRead(JsonNode node) {
        long rows = 0;
        if (node.isObject() && node.path("Node Type").asString("").contains("Scan")) {
            long perLoop = node.path("Actual Rows").asLong(0)
                    + node.path("Rows Removed by Filter").asLong(0)
                    + node.path("Rows Removed by Index Recheck").asLong(0);
            rows += perLoop * Math.max(1, node.path("Actual Loops").asLong(0));
        }
        for (JsonNode child : node) {
            rows += postgresRowsRead(child);
        }
        return rows;
    }

    /** Every table access's rows read from the storage engine ({@code r_rows}, per loop), times its loops. */
    private static long mariadbRowsRead(JsonNode node) {
        long rows = 0;
        if (node.isObject() && node.has("r_rows")) {
            rows += (long) Math.ceil(node.path("r_rows").asDouble(0)
                    * Math.max(1, node.path("r_loops").asLong(0)));
        }
        for (JsonNode child : node) {
            rows += mariadbRowsRead(child);
        }
        return rows;
    }

    private static long longOf(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
