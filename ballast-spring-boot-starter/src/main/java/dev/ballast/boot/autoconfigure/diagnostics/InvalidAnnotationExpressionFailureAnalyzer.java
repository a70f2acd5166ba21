package dev.ballast.boot.autoconfigure.diagnostics;

import dev.ballast.boot.internal.diagnostics.InvalidAnnotationExpressionException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports an {@link InvalidAnnotationExpressionException} (a {@code @Task} or {@code @DistributedLock} expression
 * that cannot work for its method) in Spring Boot's "Description / Action" form: the annotation, the method and the
 * expression, then the fixes (for a parameter name missing from the class file: compile with {@code -parameters}, or
 * use {@code #p0}). Registered in {@code META-INF/spring.factories}.
 */
final class InvalidAnnotationExpressionFailureAnalyzer
        extends AbstractFailureAnalyzer<InvalidAnnotationExpressionException> implements Ordered {

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidAnnotationExpressionException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
