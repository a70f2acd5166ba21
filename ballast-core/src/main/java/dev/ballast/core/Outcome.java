package dev.ballast.core;

import java.util.Locale;

/** How an execution ended; the {@code outcome} tag of the {@code ballast.task} timer. */
public enum Outcome {
    /** The task returned normally. */
    SUCCESS,
    /** The task failed and the failure propagated to the caller. */
    FAILURE,
    /** The task failed and {@link LogicExecutor#executeOrDefault} returned the default instead. */
    DEFAULT,
    /** The task failed and the recovery function of {@link LogicExecutor#executeWithRecovery} supplied the result. */
    RECOVERED,
    /** The task failed and {@link LogicExecutor#executeWithTranslation} threw the translated exception. */
    TRANSLATED;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The lower-case form used as metric tag value. */
    public String tag() {
        return tag;
    }
}
