package dev.ballast.lock.resilient;

/**
 * The lock mode table lacks a column a later script of Ballast's adds (for instance {@code primary_failed_at}, added by
 * {@code V2__ballast_lock_mode_failures.sql}), and the strategy was built with {@code createTable(false)}, so it may
 * not add it. Thrown by {@link ResilientLockStrategyBuilder#build()}; names the table, the column, and the script with
 * the folder that holds it for this database. Immutable and thread-safe.
 */
public final class MissingModeColumnException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String table;
    private final String column;
    private final String scriptFolder;
    private final String script;

    MissingModeColumnException(String table, String column, String scriptFolder, String script, Throwable cause) {
        super(
                "column " + column + " is missing from " + table + "; run the script " + script + " from "
                        + scriptFolder + " (or let Ballast create its tables)",
                cause);
        this.table = table;
        this.column = column;
        this.scriptFolder = scriptFolder;
        this.script = script;
    }

    /** The lock mode table, with its prefix, e.g. {@code ballast_lock_mode}. */
    public String table() {
        return table;
    }

    /** The missing column, e.g. {@code primary_failed_at}. */
    public String column() {
        return column;
    }

    /** The class-path folder of this database's lock scripts, e.g. {@code db/ballast/lock/postgresql}. */
    public String scriptFolder() {
        return scriptFolder;
    }

    /** The script in {@link #scriptFolder()} that adds the column, e.g. {@code V2__ballast_lock_mode_failures.sql}. */
    public String script() {
        return script;
    }
}
