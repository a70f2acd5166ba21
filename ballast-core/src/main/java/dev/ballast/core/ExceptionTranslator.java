package dev.ballast.core;

/**
 * Maps a technical exception (SQL, I/O, a client library's error) to the domain exception callers should see. Used by
 * {@link LogicExecutor#executeWithTranslation}. The exception passed in is already unwrapped from the four wrapper types
 * listed on {@link LogicExecutor}; {@link Error}s never reach a translator.
 *
 * <p>Implementations must be thread-safe. The executor keeps the original reachable from the result (as its cause when
 * the result has none, else as a suppressed exception), so a translator may build its result without a cause.
 */
@FunctionalInterface
public interface ExceptionTranslator {
    /** The exception to throw instead of {@code technical}; never null. */
    RuntimeException translate(Exception technical);
}
