package dev.ballast.example.brokerage.quote;

import org.jspecify.annotations.Nullable;
import org.springframework.web.client.ResourceAccessException;

/**
 * The market-data upstream gave no usable quote: it failed or did not answer in time, it failed for this symbol less
 * than the failure backoff ago, or the bulkhead in front of it was full. A {@link ResourceAccessException}, which
 * Ballast's default {@code ExceptionClassifier} calls infrastructure, so the client gets a 503 {@code UNAVAILABLE}
 * problem with {@code Retry-After}, never a 500.
 */
final class MarketDataUnavailableException extends ResourceAccessException {

    private static final long serialVersionUID = 1L;

    MarketDataUnavailableException(String message, @Nullable Throwable cause) {
        super(message);
        if (cause != null) {
            initCause(cause);
        }
    }
}
