package dev.ballast.lock.jdbc;

import dev.ballast.lock.internal.JdbcDialect;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SQL of the database-native session locks: PostgreSQL advisory locks and MySQL/MariaDB {@code GET_LOCK}. */
enum SessionLockDialect {
    POSTGRESQL_ADVISORY(
            "advisory",
            "SELECT pg_try_advisory_lock(hashtextextended(?, 0))",
            "SELECT pg_advisory_unlock(hashtextextended(?, 0))",
            "INSERT INTO %1$s (lock_key, fence) VALUES (?, " + Micros.POSTGRESQL + ") ON CONFLICT (lock_key)"
                    + " DO UPDATE SET fence = GREATEST(%1$s.fence + 1, " + Micros.POSTGRESQL + ") RETURNING fence"),
    MYSQL_GET_LOCK(
            "get_lock",
            "SELECT GET_LOCK(?, 0)",
            "SELECT RELEASE_LOCK(?)",
            "INSERT INTO %1$s (lock_key, fence) VALUES (?, LAST_INSERT_ID(" + Micros.MARIADB + "))"
                    + " ON DUPLICATE KEY UPDATE fence = LAST_INSERT_ID(GREATEST(%1$s.fence + 1, " + Micros.MARIADB
                    + "))");

    /** The database clock in microseconds: the floor of every fencing token, as in {@link JdbcDialect}. */
    private static final class Micros {
        static final String POSTGRESQL = JdbcDialect.POSTGRESQL.nowMicros();
        static final String MARIADB = JdbcDialect.MARIADB.nowMicros();
    }

    /** MySQL's limit on lock names. */
    static final int MYSQL_MAX_NAME = 64;

    final String backendName;
    final String tryLock;
    final String unlock;
    private final String nextFence;

    SessionLockDialect(String backendName, String tryLock, String unlock, String nextFence) {
        this.backendName = backendName;
        this.tryLock = tryLock;
        this.unlock = unlock;
        this.nextFence = nextFence;
    }

    String nextFence(String table) {
        return nextFence.formatted(table);
    }

    /** MySQL's follow-up query for the fence just written; PostgreSQL returns it from the insert. */
    boolean fenceNeedsSelect() {
        return this == MYSQL_GET_LOCK;
    }

    /** The name the database locks: the key, or for GET_LOCK a SHA-256 hex of keys over 64 characters. */
    String lockName(String key) {
        if (this != MYSQL_GET_LOCK || key.length() <= MYSQL_MAX_NAME) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest); // 64 hex characters
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
