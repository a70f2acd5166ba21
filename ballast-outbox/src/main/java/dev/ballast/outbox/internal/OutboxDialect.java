package dev.ballast.outbox.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/** The SQL that differs between the supported databases. */
enum OutboxDialect {
    POSTGRESQL("postgresql", "clock_timestamp()", "clock_timestamp() + (? * interval '1 millisecond')"),
    MARIADB("mariadb", "CURRENT_TIMESTAMP(6)", "TIMESTAMPADD(MICROSECOND, ? * 1000, CURRENT_TIMESTAMP(6))"),
    H2("h2", "CURRENT_TIMESTAMP", "DATEADD(MILLISECOND, ?, CURRENT_TIMESTAMP)");

    /**
     * The {@code next_attempt_at} of an aggregate with nothing pending: past every claim's range, so the claim's index
     * scan (on {@code next_attempt_at} alone) never walks idle aggregates. Keeping {@code pending} out of that index is
     * what lets an append to an aggregate that already has pending events update its row in place (a HOT update on
     * PostgreSQL: no index entry written); only the idle-to-pending step moves the row in the index.
     */
    static final String IDLE = "TIMESTAMP '9999-12-31 00:00:00'";

    /** Folder of the schema script under {@code db/ballast/outbox/}. */
    final String folder;
    /** The database's current time. */
    final String now;
    /** The database's current time plus a bound number of milliseconds. */
    final String nowPlusMillis;

    OutboxDialect(String folder, String now, String nowPlusMillis) {
        this.folder = folder;
        this.now = now;
        this.nowPlusMillis = nowPlusMillis;
    }

    /**
     * The {@code next_attempt_at} assignment of every statement that changes an aggregate's {@code pending} count,
     * so that the invariant "nothing pending exactly when parked at {@link #IDLE}" lives here alone: parked when the
     * count reaches 0, due now when it leaves 0, else {@code stillPending}. Put it first in the SET list ({@code
     * pendingBefore} must read the old count: MariaDB assigns left to right using values already assigned).
     */
    String nextAttemptAt(String pendingBefore, String pendingAfter, String stillPending) {
        return "next_attempt_at = CASE WHEN " + pendingAfter + " = 0 THEN " + IDLE + " WHEN " + pendingBefore
                + " = 0 THEN " + now + " ELSE " + stillPending + " END";
    }

    static OutboxDialect of(Connection connection) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
        if (product.contains("postgres")) {
            return POSTGRESQL;
        }
        if (product.contains("mariadb") || product.contains("mysql")) {
            return MARIADB;
        }
        if (product.contains("h2")) {
            return H2;
        }
        throw new IllegalStateException("Unsupported database for the outbox: '" + product
                + "'; supported are PostgreSQL, MySQL 8/MariaDB 10.6+ and H2");
    }

    /**
     * Deletes at most {@code ?} (last parameter) rows of {@code table} matching {@code where}, the first ones in the
     * order of {@code order} (an indexed column, so that a batch reads no more rows than it deletes); {@code key} is
     * the table's primary key.
     */
    String deleteLimited(String table, String key, String where, String order) {
        return switch (this) {
            case MARIADB -> "DELETE FROM " + table + " WHERE " + where + " ORDER BY " + order + " LIMIT ?";
            case POSTGRESQL, H2 ->
                "DELETE FROM " + table + " WHERE " + key + " IN (SELECT " + key + " FROM " + table + " WHERE " + where
                        + " ORDER BY " + order + " LIMIT ?)";
        };
    }
}
