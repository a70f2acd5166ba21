package dev.ballast.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class ExceptionClassifierTest {

    private final ExceptionClassifier classifier = ExceptionClassifier.defaults();

    @Test
    void clientExceptionsAreBusiness() {
        assertThat(classifier.classify(new ClientException(CommonErrorCode.NOT_FOUND)))
                .isEqualTo(ErrorCategory.BUSINESS);
    }

    @Test
    void aKeyOutsideTheLimitsIsTheCallersInputSoBusinessButOtherIllegalArgumentsAreNot() {
        assertThat(classifier.classify(new KeyRejectedException("Lock key must be 1 to 255 characters, was 306")))
                .isEqualTo(ErrorCategory.BUSINESS);
        assertThat(classifier.classify(new IllegalArgumentException("Lock key must not be null")))
                .isEqualTo(ErrorCategory.UNKNOWN);
    }

    @Test
    void ioTimeoutsAndTransientSqlAreInfrastructureAnywhereInTheCauseChain() {
        assertThat(classifier.classify(new ConnectException("refused"))).isEqualTo(ErrorCategory.INFRASTRUCTURE);
        assertThat(classifier.classify(new TimeoutException())).isEqualTo(ErrorCategory.INFRASTRUCTURE);
        assertThat(classifier.classify(new SQLTransientConnectionException())).isEqualTo(ErrorCategory.INFRASTRUCTURE);
        assertThat(classifier.classify(new IllegalStateException(new UncheckedIOException(new ConnectException()))))
                .isEqualTo(ErrorCategory.INFRASTRUCTURE);
    }

    @Test
    void driverExceptionsWithTheStateOfAnUnavailableDatabaseAreInfrastructure() {
        // PgJDBC's PSQLException is a plain SQLException: a terminated backend, a closed connection, a shutting server
        for (String state : new String[] {"57P01", "08003", "08006", "57P03", "53300"}) {
            assertThat(classifier.classify(new RuntimeException(new SQLException("gone", state))))
                    .as(state)
                    .isEqualTo(ErrorCategory.INFRASTRUCTURE);
        }
        assertThat(classifier.classify(new SQLException("duplicate key", "23505")))
                .isEqualTo(ErrorCategory.UNKNOWN);
    }

    @Test
    void aWriteRefusedByAServerThatTakesNoWritesIsInfrastructure() {
        // what a PostgreSQL standby answers an INSERT (an instance that reached it during a failover), wrapped as the
        // outbox and Spring wrap it
        assertThat(classifier.classify(new IllegalStateException(
                        new SQLException("ERROR: cannot execute INSERT in a read-only transaction", "25006"))))
                .isEqualTo(ErrorCategory.INFRASTRUCTURE);
        // other invalid-transaction-state errors (25xxx) are the application's, not the server's
        assertThat(classifier.classify(new SQLException("transaction is aborted", "25P02")))
                .isEqualTo(ErrorCategory.UNKNOWN);
    }

    @Test
    void eachInstanceIsClassifiedByItsOwnStateAndCausesWhateverItsClassAnsweredBefore() {
        // the class-level answer is cached; an SQLSTATE and a cause belong to the instance and must still count
        assertThat(classifier.classify(new SQLException("gone", "08006"))).isEqualTo(ErrorCategory.INFRASTRUCTURE);
        assertThat(classifier.classify(new SQLException("duplicate key", "23505")))
                .isEqualTo(ErrorCategory.UNKNOWN);
        assertThat(classifier.classify(new SQLException("gone", "08006"))).isEqualTo(ErrorCategory.INFRASTRUCTURE);

        assertThat(classifier.classify(new IllegalArgumentException("bug"))).isEqualTo(ErrorCategory.UNKNOWN);
        assertThat(classifier.classify(new IllegalArgumentException(new ConnectException())))
                .isEqualTo(ErrorCategory.INFRASTRUCTURE);
        assertThat(classifier.classify(new IllegalArgumentException("bug"))).isEqualTo(ErrorCategory.UNKNOWN);
    }

    @Test
    void aBusinessClassWinsOverAnInfrastructureCause() {
        assertThat(classifier.classify(
                        new ClientException(CommonErrorCode.NOT_FOUND, "no such account", new ConnectException())))
                .isEqualTo(ErrorCategory.BUSINESS);
    }

    @Test
    void constraintViolationsAndBugsAreUnknown() {
        assertThat(classifier.classify(new SQLIntegrityConstraintViolationException()))
                .isEqualTo(ErrorCategory.UNKNOWN);
        assertThat(classifier.classify(new NullPointerException())).isEqualTo(ErrorCategory.UNKNOWN);
    }

    @Test
    void firstKnownAsksUserClassifiersBeforeTheDefaults() {
        ExceptionClassifier insufficientFundsIsBusiness =
                e -> e instanceof ArithmeticException ? ErrorCategory.BUSINESS : ErrorCategory.UNKNOWN;
        ExceptionClassifier combined = ExceptionClassifier.firstKnown(List.of(insufficientFundsIsBusiness, classifier));

        assertThat(combined.classify(new ArithmeticException())).isEqualTo(ErrorCategory.BUSINESS);
        assertThat(combined.classify(new ConnectException())).isEqualTo(ErrorCategory.INFRASTRUCTURE);
        assertThat(combined.classify(new IllegalStateException())).isEqualTo(ErrorCategory.UNKNOWN);
    }
}
