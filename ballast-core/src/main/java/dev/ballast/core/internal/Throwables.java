package dev.ballast.core.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The executor's handling of exceptions that only carry another one. This is the one list of wrapper types that
 * {@code LogicExecutor}, its policies, recoveries and translators see through: {@link CompletionException}, {@link
 * ExecutionException}, {@link UndeclaredThrowableException} and {@link InvocationTargetException}.
 */
public final class Throwables {

    /**
     * Most wrapper layers removed. A failure nested deeper than this is seen as the wrapper left after removing this
     * many layers (its causes still count for classification, which walks the cause chain).
     */
    public static final int MAX_UNWRAP_DEPTH = 16;

    private static final int MAX_CAUSE_DEPTH = 16;

    private Throwables() {}

    /** Strips up to {@value #MAX_UNWRAP_DEPTH} wrapper layers that have a cause. */
    public static Throwable unwrap(Throwable error) {
        Throwable current = error;
        for (int depth = 0; depth < MAX_UNWRAP_DEPTH && isWrapper(current); depth++) {
            Throwable cause = current.getCause();
            if (cause == null || cause == current) {
                break;
            }
            current = cause;
        }
        return current;
    }

    /** True for the four wrapper types. */
    public static boolean isWrapper(Throwable error) {
        return error instanceof CompletionException
                || error instanceof ExecutionException
                || error instanceof UndeclaredThrowableException
                || error instanceof InvocationTargetException;
    }

    /** Sets the current thread's interrupt flag again when {@code failure} is an {@link InterruptedException}. */
    public static void restoreInterrupt(@Nullable Throwable failure) {
        if (failure instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
    }

    /** True if {@code wanted} is {@code error} or one of its first {@value #MAX_CAUSE_DEPTH} causes. */
    public static boolean inCauseChain(Throwable error, Throwable wanted) {
        Throwable current = error;
        for (int depth = 0; current != null && depth < MAX_CAUSE_DEPTH; depth++) {
            if (current == wanted) {
                return true;
            }
            Throwable cause = current.getCause();
            current = cause == current ? null : cause;
        }
        return false;
    }

    /**
     * The first of {@code error} and its first {@value #MAX_CAUSE_DEPTH} causes that {@code type} accepts, or null.
     * Pass a non-capturing test (a static method reference or a lambda that uses only its argument): nothing is
     * allocated on the failure path then.
     */
    public static @Nullable Throwable firstInCauseChain(@Nullable Throwable error, Predicate<Throwable> type) {
        Throwable current = error;
        for (int depth = 0; current != null && depth < MAX_CAUSE_DEPTH; depth++) {
            if (type.test(current)) {
                return current;
            }
            Throwable cause = current.getCause();
            current = cause == current ? null : cause;
        }
        return null;
    }

    /** Throws {@code error} whatever its type; the declared return lets callers write {@code throw sneaky(e)}. */
    @SuppressWarnings("unchecked")
    public static <E extends Throwable> RuntimeException sneaky(Throwable error) throws E {
        throw (E) error;
    }
}
