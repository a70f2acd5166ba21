package dev.ballast.core.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Unwrapping of the exceptions that only carry another one. */
public final class Throwables {

    private static final int MAX_DEPTH = 16;

    private Throwables() {}

    /**
     * Strips {@link CompletionException}, {@link ExecutionException}, {@link UndeclaredThrowableException} and {@link
     * InvocationTargetException} layers that have a cause.
     */
    public static Throwable unwrap(Throwable error) {
        Throwable current = error;
        for (int depth = 0; depth < MAX_DEPTH && isWrapper(current); depth++) {
            Throwable cause = current.getCause();
            if (cause == null || cause == current) {
                break;
            }
            current = cause;
        }
        return current;
    }

    private static boolean isWrapper(Throwable error) {
        return error instanceof CompletionException
                || error instanceof ExecutionException
                || error instanceof UndeclaredThrowableException
                || error instanceof InvocationTargetException;
    }
}
