package dev.ballast.example.brokerage.quote;

/**
 * {@code brokerage.quotes.cache} holds a value that names no {@link QuoteCacheMode}: start-up fails with it, and
 * {@link QuoteCacheModeFailureAnalyzer} reports it in Spring Boot's "APPLICATION FAILED TO START" form. Immutable.
 */
final class InvalidQuoteCacheModeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String value;

    InvalidQuoteCacheModeException(String value, String allowed) {
        super(QuoteCacheMode.PROPERTY + " must be " + allowed + ", was '" + value + "'");
        this.value = value;
    }

    /** The value as bound, untrimmed. */
    String value() {
        return value;
    }
}
