package dev.ballast.boot.internal.diagnostics;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanInitializationException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Gathers the start-up problems Ballast finds while the singletons are created (missing tables, {@code @Task}/{@code
 * DistributedLock} expressions that cannot work), so one start reports all problems of a kind, not the first one
 * found. Once the singletons exist it runs the {@link TablesCheck}s and fails start-up with one {@link
 * MissingBallastTablesException} naming every missing table, else one {@link InvalidAnnotationExpressionException}
 * naming every bad expression (when both kinds occur, the expressions are attached to the tables report as
 * suppressed). A problem reported after that (a lazy bean) is thrown at once. One bean per context, shared by the
 * starter's auto-configurations. Thread-safe.
 */
public final class StartupProblems implements SmartInitializingSingleton {

    /** A check of tables that runs once the singletons exist (when the feature's use is known). */
    @FunctionalInterface
    public interface TablesCheck {
        /** The tables the feature needs and does not have, or null. */
        @Nullable
        MissingBallastTablesException missing();
    }

    private final ObjectProvider<TablesCheck> checks;
    private final List<MissingBallastTablesException> tables = new ArrayList<>();
    private final List<InvalidAnnotationExpressionException> expressions = new ArrayList<>();
    private boolean started;

    public StartupProblems(ObjectProvider<TablesCheck> checks) {
        this.checks = checks;
    }

    /**
     * Keeps {@code missing} for the report at the end of start-up, or throws it when start-up is over.
     *
     * @return true when kept (the caller carries on, and must fail on use), never false
     * @throws MissingBallastTablesException {@code missing}, once the singletons exist
     */
    public synchronized boolean defer(MissingBallastTablesException missing) {
        if (started) {
            throw missing;
        }
        tables.add(missing);
        return true;
    }

    /**
     * Keeps {@code invalid} for the report at the end of start-up, or throws it when start-up is over.
     *
     * @throws InvalidAnnotationExpressionException {@code invalid}, once the singletons exist
     */
    public synchronized void defer(InvalidAnnotationExpressionException invalid) {
        if (started) {
            throw invalid;
        }
        expressions.add(invalid);
    }

    @Override
    public void afterSingletonsInstantiated() {
        List<MissingBallastTablesException> missing;
        List<InvalidAnnotationExpressionException> invalid;
        synchronized (this) {
            started = true;
            missing = new ArrayList<>(tables);
            invalid = new ArrayList<>(expressions);
        }
        checks.orderedStream().forEach(check -> {
            MissingBallastTablesException found = check.missing();
            if (found != null) {
                missing.add(found);
            }
        });
        RuntimeException expressionsReport =
                invalid.isEmpty() ? null : InvalidAnnotationExpressionException.all(invalid);
        if (!missing.isEmpty()) {
            MissingBallastTablesException report = MissingBallastTablesException.all(missing);
            if (expressionsReport != null) {
                report.addSuppressed(expressionsReport);
            }
            throw failure(report);
        }
        if (expressionsReport != null) {
            throw failure(expressionsReport);
        }
    }

    /** Wrapped as bean creation failures are, so the report is the root cause, as before it was deferred. */
    private static BeanInitializationException failure(RuntimeException report) {
        return new BeanInitializationException("Ballast's start-up checks failed; see the cause", report);
    }
}
