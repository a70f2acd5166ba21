package dev.ballast.boot.autoconfigure.diagnostics;

import dev.ballast.boot.internal.diagnostics.MissingBallastTablesException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports a {@link MissingBallastTablesException} in Spring Boot's "Description / Action" form: which tables are missing
 * from which database and why they are needed, and the properties that fix it (create them at start-up, the Flyway
 * location of the shipped scripts, or not using the feature). Registered in {@code META-INF/spring.factories}.
 */
final class MissingBallastTablesFailureAnalyzer extends AbstractFailureAnalyzer<MissingBallastTablesException>
        implements Ordered {

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MissingBallastTablesException cause) {
        return new FailureAnalysis(cause.description(), cause.action(), cause);
    }
}
