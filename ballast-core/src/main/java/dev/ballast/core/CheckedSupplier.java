package dev.ballast.core;

/**
 * A task that returns a value and may throw a checked exception.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface CheckedSupplier<T> {
    /** Runs the task. */
    T get() throws Exception;
}
