package dev.ballast.core.sql;

import java.sql.SQLException;

/**
 * What a {@link SQLException}'s SQLSTATE says, read the same way on every database Ballast supports (PostgreSQL,
 * MariaDB/MySQL, H2), so that each module does not spell the class codes again.
 */
public final class SqlStates {

    private SqlStates() {}

    /**
     * Whether the statement broke an integrity constraint (SQLSTATE class {@code 23}): a duplicate primary or unique key
     * above all, which is how the modules learn that another transaction or instance wrote the row first. Only the
     * exception itself is read, not its causes: drivers report the state on the exception they throw.
     */
    public static boolean isIntegrityViolation(SQLException e) {
        return hasClass(e, "23");
    }

    /**
     * Whether the database rolled the transaction back to resolve a conflict (SQLSTATE class {@code 40}: a deadlock or
     * a serialization failure); running the transaction again may succeed.
     */
    public static boolean isTransactionRollback(SQLException e) {
        return hasClass(e, "40");
    }

    private static boolean hasClass(SQLException e, String stateClass) {
        String state = e.getSQLState();
        return state != null && state.startsWith(stateClass);
    }
}
