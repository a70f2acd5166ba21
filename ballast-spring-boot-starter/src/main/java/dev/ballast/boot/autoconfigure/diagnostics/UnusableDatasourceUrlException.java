package dev.ballast.boot.autoconfigure.diagnostics;

/**
 * {@code spring.datasource.url} cannot work (see {@link DatasourceUrlCheck}); the message holds the URL with its
 * passwords masked.
 */
final class UnusableDatasourceUrlException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UnusableDatasourceUrlException(String message) {
        super(message, null, false, false); // no stack trace: the message says everything, and start-up ends here
    }
}
