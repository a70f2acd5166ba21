package dev.ballast.core;

/**
 * Maps a technical exception (SQL, I/O, a client library's error) to the domain exception callers should see. Used by
 * {@link LogicExecutor#executeWithTranslation}. The exception passed in is already unwrapped from {@code
 * CompletionException}, {@code ExecutionException} and {@code UndeclaredThrowableException}; {@link Error}s never
 * reach a translator.
 *
 * <p>Implementations must be thread-safe and should keep the original exception as the cause of the result.
 */
@FunctionalInterface
public interface ExceptionTranslator {
    /** The exception to throw instead of {@code technical}; never null. */
    RuntimeException translate(Exception technical);
}
