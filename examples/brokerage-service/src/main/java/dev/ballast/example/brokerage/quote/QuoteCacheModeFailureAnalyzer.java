package dev.ballast.example.brokerage.quote;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a bad {@code brokerage.quotes.cache} in Spring Boot's "Description / Action" form, instead of the third
 * "Caused by" of a bean-creation stack trace: the property and the value as bound, and the values it takes. An
 * application property, not a {@code ballast.*} one, so not the starter's analyzer (which is for Ballast's own
 * settings and points at docs/configuration.md). Registered in {@code META-INF/spring.factories}.
 */
final class QuoteCacheModeFailureAnalyzer extends AbstractFailureAnalyzer<InvalidQuoteCacheModeException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidQuoteCacheModeException cause) {
        return new FailureAnalysis(
                "Invalid value '" + cause.value() + "' for " + QuoteCacheMode.PROPERTY + ": it names no quotes cache"
                        + " mode.",
                "Set " + QuoteCacheMode.PROPERTY + " to " + QuoteCacheMode.allowed() + " (trimmed, any case), or"
                        + " leave it unset for tiered.",
                cause);
    }
}
