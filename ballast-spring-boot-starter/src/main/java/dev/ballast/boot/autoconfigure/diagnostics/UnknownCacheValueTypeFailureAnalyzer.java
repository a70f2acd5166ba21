package dev.ballast.boot.autoconfigure.diagnostics;

import dev.ballast.boot.internal.diagnostics.UnknownCacheValueTypeException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports an {@link UnknownCacheValueTypeException} in Spring Boot's "Description / Action" form: every cache whose
 * value type could not be inferred, with the methods that use it and their return types, then the {@code
 * ballast.cache.caches.<name>.value-type} properties to set. Registered in {@code META-INF/spring.factories}.
 */
final class UnknownCacheValueTypeFailureAnalyzer extends AbstractFailureAnalyzer<UnknownCacheValueTypeException>
        implements Ordered {

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnknownCacheValueTypeException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
