package dev.ballast.core.internal;

import dev.ballast.core.ClientException;
import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.KeyRejectedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/** The built-in classification rules; see {@link ExceptionClassifier#defaults()}. */
public final class DefaultExceptionClassifier implements ExceptionClassifier {

    /** The shared instance. */
    public static final DefaultExceptionClassifier INSTANCE = new DefaultExceptionClassifier();

    private static final int MAX_CAUSE_DEPTH = 16;

    /** Infrastructure exceptions of client libraries, matched by name so core does not depend on them. */
    private static final Set<String> INFRASTRUCTURE_TYPES = Set.of(
            "org.springframework.dao.DataAccessResourceFailureException",
            "org.springframework.dao.TransientDataAccessException",
            "org.springframework.dao.RecoverableDataAccessException",
            "org.springframework.transaction.CannotCreateTransactionException",
            // a commit or rollback that failed: its cause may be a pool's "Connection is closed" without an SQLSTATE
            "org.springframework.transaction.TransactionSystemException",
            // the lock backend itself failed, whatever its cause says
            "dev.ballast.lock.LockBackendException",
            // the lease ran out under the guarded code (renewal could not reach the backend, or the holder stalled):
            // the platform failed, not the request; found by chaos scenario (8), where it answered 500
            "dev.ballast.lock.LockLostException",
            "org.springframework.web.client.ResourceAccessException",
            "io.lettuce.core.RedisConnectionException",
            "io.lettuce.core.RedisCommandTimeoutException",
            "io.lettuce.core.RedisCommandInterruptedException",
            "org.apache.kafka.common.errors.RetriableException",
            "org.apache.kafka.common.errors.TimeoutException",
            "com.rabbitmq.client.ShutdownSignalException",
            "com.rabbitmq.client.AlreadyClosedException",
            "com.zaxxer.hikari.pool.HikariPool$PoolInitializationException");

    /** Business outcomes of other Ballast modules, matched by name so core does not depend on them. */
    private static final Set<String> BUSINESS_TYPES =
            Set.of("dev.ballast.outbox.IdempotencyConflictException", "dev.ballast.lock.LockAcquisitionException");

    private DefaultExceptionClassifier() {}

    /** Bits of {@link #TRAITS}: what a class says about its instances whatever their state. */
    private static final int BUSINESS = 1;

    private static final int INFRASTRUCTURE = 2;

    /**
     * What each exception class is, worked out once per class: the type checks below walk the superclasses and look
     * names up in sets, which cost more than the rest of a failing call's bookkeeping (found by the executor suite). The
     * values are the cached small {@code Integer}s, so a lookup allocates nothing; only an SQLSTATE and the cause chain,
     * which belong to the instance, are looked at per call.
     */
    private static final ClassValue<Integer> TRAITS = new ClassValue<>() {
        @Override
        protected Integer computeValue(Class<?> type) {
            int traits = 0;
            if (ClientException.class.isAssignableFrom(type)
                    || KeyRejectedException.class.isAssignableFrom(type)
                    || BUSINESS_TYPES.contains(type.getName())) {
                traits |= BUSINESS;
            }
            if (infrastructureType(type)) {
                traits |= INFRASTRUCTURE;
            }
            return traits;
        }
    };

    @Override
    public ErrorCategory classify(Throwable error) {
        int traits = TRAITS.get(error.getClass());
        if ((traits & BUSINESS) != 0) {
            return ErrorCategory.BUSINESS;
        }
        if ((traits & INFRASTRUCTURE) != 0 || unavailableDatabase(error)) {
            return ErrorCategory.INFRASTRUCTURE;
        }
        Throwable current = error.getCause();
        for (int depth = 1; current != null && depth < MAX_CAUSE_DEPTH; depth++) {
            if (isInfrastructure(current)) {
                return ErrorCategory.INFRASTRUCTURE;
            }
            current = current.getCause();
        }
        return ErrorCategory.UNKNOWN;
    }

    /**
     * SQLSTATE classes of a database that cannot serve, whatever exception type the driver uses (PgJDBC throws plain
     * {@code PSQLException}s): 08 connection exception, 53 insufficient resources, 57P operator intervention (backend
     * terminated, server shutting down or starting), and 25006, a write refused because the server takes no writes:
     * what a PostgreSQL standby answers (an instance that reached it during a failover, through a multi-host URL
     * without {@code targetServerType=primary}) and a database set {@code default_transaction_read_only}. A write
     * in a transaction the application itself marked read-only gets the same state; that bug shows in every test of
     * the write, not only during a fault.
     */
    private static boolean unavailableState(String state) {
        return state != null
                && (state.startsWith("08")
                        || state.startsWith("53")
                        || state.startsWith("57P")
                        || state.equals(READ_ONLY_SQL_TRANSACTION));
    }

    private static final String READ_ONLY_SQL_TRANSACTION = "25006";

    private static boolean isInfrastructure(Throwable error) {
        if ((TRAITS.get(error.getClass()) & INFRASTRUCTURE) != 0) {
            return true;
        }
        return unavailableDatabase(error);
    }

    private static boolean unavailableDatabase(Throwable error) {
        return error instanceof SQLException sql && unavailableState(sql.getSQLState());
    }

    private static boolean infrastructureType(Class<?> type) {
        if (IOException.class.isAssignableFrom(type)
                || UncheckedIOException.class.isAssignableFrom(type)
                || TimeoutException.class.isAssignableFrom(type)
                || SQLTransientException.class.isAssignableFrom(type)
                || SQLRecoverableException.class.isAssignableFrom(type)
                || SQLNonTransientConnectionException.class.isAssignableFrom(type)) {
            return true;
        }
        for (Class<?> current = type;
                current != null && current != Throwable.class;
                current = current.getSuperclass()) {
            if (INFRASTRUCTURE_TYPES.contains(current.getName())) {
                return true;
            }
        }
        return false;
    }
}
