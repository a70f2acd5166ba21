package dev.ballast.boot.autoconfigure.diagnostics;

import dev.ballast.lock.resilient.MissingModeColumnException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports a {@link MissingModeColumnException} (the resilient lock's mode table predates a column a later script adds,
 * typically an upgrade without Flyway) in Spring Boot's "Description / Action" form: the table, the missing column and
 * the folder of this database's scripts; how to apply the script, or to let Ballast create its tables. Registered in
 * {@code META-INF/spring.factories}.
 */
final class MissingLockModeColumnFailureAnalyzer extends AbstractFailureAnalyzer<MissingModeColumnException>
        implements Ordered {

    private static final String NL = System.lineSeparator();

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MissingModeColumnException cause) {
        String description = "Ballast's lock mode table " + cause.table() + " has no column " + cause.column()
                + ": it was created by an earlier Ballast version's script, and the upgrade script "
                + cause.script() + " (class-path folder " + cause.scriptFolder() + ") has not been applied."
                + " The resilient lock backend (Redis with the database behind it) needs that column.";
        String action = "Add the column, then start again. One of:" + NL
                + "  - run " + cause.scriptFolder() + "/" + cause.script() + " from the ballast-lock jar against"
                + " this database (with your table prefix in place of 'ballast_' if you set"
                + " ballast.lock.jdbc.table-prefix), or copy it into your Flyway or Liquibase migrations" + NL
                + "  - or let Ballast add it at start-up: ballast.lock.jdbc.schema.initialize=always" + NL
                + "See docs/lock.md, \"Tables on PostgreSQL or MariaDB\".";
        return new FailureAnalysis(description, action, cause);
    }
}
