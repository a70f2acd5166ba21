package dev.ballast.lock.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/** The SQL that differs between databases: the database clock and its arithmetic, and the scripts' folder. Internal. */
public enum JdbcDialect {
    POSTGRESQL(
            "clock_timestamp()",
            "clock_timestamp() + (? * interval '1 millisecond')",
            "postgresql",
            "(extract(epoch from clock_timestamp()) * 1000000)::bigint"),
    MARIADB(
            "CURRENT_TIMESTAMP(3)",
            "TIMESTAMPADD(MICROSECOND, ? * 1000, CURRENT_TIMESTAMP(3))",
            "mariadb",
            "CAST(UNIX_TIMESTAMP(CURRENT_TIMESTAMP(6)) * 1000000 AS SIGNED)"),
    H2(
            "CURRENT_TIMESTAMP",
            "DATEADD(MILLISECOND, ?, CURRENT_TIMESTAMP)",
            "h2",
            "CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000000 AS BIGINT)");

    /** The database's current time. */
    private final String now;
    /** The database's current time plus a bound number of milliseconds. */
    private final String nowPlusMillis;
    /** The folder of this database's scripts under {@code db/ballast/lock}. */
    private final String folder;
    /** The database's current time in microseconds since the epoch, the floor of every fencing token. */
    private final String nowMicros;

    JdbcDialect(String now, String nowPlusMillis, String folder, String nowMicros) {
        this.now = now;
        this.nowPlusMillis = nowPlusMillis;
        this.folder = folder;
        this.nowMicros = nowMicros;
    }

    /** The dialect of the database behind {@code connection}. */
    public static JdbcDialect of(Connection connection) throws SQLException {
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
        throw new IllegalStateException("Unsupported database for the JDBC lock: '" + product
                + "'; supported are PostgreSQL, MySQL/MariaDB and H2");
    }

    /** The database's current time. */
    public String now() {
        return now;
    }

    /** The database's current time plus one bound parameter of milliseconds. */
    public String nowPlusMillis() {
        return nowPlusMillis;
    }

    /** The folder of this database's scripts under {@code db/ballast/lock}, e.g. {@code postgresql}. */
    public String folder() {
        return folder;
    }

    /** The database's current time in microseconds since the epoch, as a BIGINT. */
    public String nowMicros() {
        return nowMicros;
    }
}
