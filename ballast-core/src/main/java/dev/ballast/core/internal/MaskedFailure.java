package dev.ballast.core.internal;

import dev.ballast.core.SensitiveDataMasker;
import org.jspecify.annotations.Nullable;

/**
 * A stand-in for a failure whose message (or a cause's) holds personal data, handed to tracing instead of the original:
 * same stack trace, the original class name in {@link #toString()} (which is what printed stack traces show), masked
 * messages, causes replaced the same way. The caller of the executor always gets the original. Immutable.
 */
public final class MaskedFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private static final int MAX_DEPTH = 8;

    private final String type;

    private MaskedFailure(Throwable original, SensitiveDataMasker masker, int depth) {
        super(masked(original.getMessage(), masker), standIn(original, masker, depth), false, true);
        this.type = original.getClass().getName();
        setStackTrace(original.getStackTrace());
    }

    /** {@code failure} itself when masking changes no message in its cause chain, else a masked stand-in. */
    public static Throwable of(Throwable failure, SensitiveDataMasker masker) {
        return needsMasking(failure, masker) ? new MaskedFailure(failure, masker, 0) : failure;
    }

    /** Class name of the failure this stands in for. */
    public String originalType() {
        return type;
    }

    @Override
    @SuppressWarnings("OverrideThrowableToString") // the original's class name, as its stack trace shows
    public String toString() {
        String message = getLocalizedMessage();
        return message == null ? type : type + ": " + message;
    }

    /** The stack trace is copied from the original, not captured here. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    private static boolean needsMasking(Throwable failure, SensitiveDataMasker masker) {
        Throwable current = failure;
        for (int depth = 0; current != null && depth < MAX_DEPTH; depth++) {
            String message = current.getMessage();
            if (message != null && !masker.mask(message).equals(message)) {
                return true;
            }
            Throwable cause = current.getCause();
            current = cause == current ? null : cause;
        }
        return false;
    }

    private static @Nullable String masked(@Nullable String message, SensitiveDataMasker masker) {
        return message == null ? null : masker.mask(message);
    }

    private static @Nullable Throwable standIn(Throwable original, SensitiveDataMasker masker, int depth) {
        Throwable cause = original.getCause();
        if (cause == null || cause == original || depth + 1 >= MAX_DEPTH) {
            return null;
        }
        return new MaskedFailure(cause, masker, depth + 1);
    }
}
