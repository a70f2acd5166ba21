package dev.ballast.core;

import dev.ballast.core.internal.DefaultExceptionClassifier;
import java.util.List;

/**
 * Says whether a failure is a business outcome, an infrastructure fault or something unknown. The executor uses it for
 * log levels; the lock fallback, circuit breakers and alert severity use it to decide what counts as an outage.
 *
 * <p>The exception passed in is already unwrapped from {@code CompletionException}, {@code ExecutionException} and
 * {@code UndeclaredThrowableException}. Implementations must be thread-safe and must not throw; answer {@link
 * ErrorCategory#UNKNOWN} to let the next classifier decide.
 */
@FunctionalInterface
public interface ExceptionClassifier {

    /** The category of {@code error}. */
    ErrorCategory classify(Throwable error);

    /**
     * The built-in rules: {@link ClientException}, {@link KeyRejectedException}, the outbox's idempotency conflict and
     * a lock that stayed busy are business; I/O, timeouts, transient and connection SQL errors and
     * well-known client-library connection errors (Spring DAO, Lettuce, Kafka, RabbitMQ, JDBC pools), anywhere in the
     * cause chain, are infrastructure; the rest is unknown.
     */
    static ExceptionClassifier defaults() {
        return DefaultExceptionClassifier.INSTANCE;
    }

    /** Asks each classifier in turn and returns the first answer that is not {@link ErrorCategory#UNKNOWN}. */
    static ExceptionClassifier firstKnown(List<ExceptionClassifier> classifiers) {
        List<ExceptionClassifier> copy = List.copyOf(classifiers);
        return error -> {
            for (ExceptionClassifier classifier : copy) {
                ErrorCategory category = classifier.classify(error);
                if (category != ErrorCategory.UNKNOWN) {
                    return category;
                }
            }
            return ErrorCategory.UNKNOWN;
        };
    }
}
