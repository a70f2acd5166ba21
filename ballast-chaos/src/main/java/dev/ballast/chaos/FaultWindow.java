package dev.ballast.chaos;

import java.time.Duration;

/**
 * The shape of most scenarios: under load, warm up, apply the fault (marking {@link #START}), keep it for {@code
 * duration}, lift it (marking {@link #END}), let the load run on until {@code after} more operations completed, stop the
 * load. Immutable.
 *
 * @param warmUp operations that complete before the fault
 * @param duration how long the fault lasts
 * @param after operations that complete after the fault was lifted
 */
public record FaultWindow(long warmUp, Duration duration, long after) {

    /** The history's mark when the fault was applied. */
    public static final String START = "fault-start";

    /** The history's mark when the fault was lifted. */
    public static final String END = "fault-end";

    private static final Duration PHASE_LIMIT = Duration.ofSeconds(90);

    /** A step that may fail with anything. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    /** Runs the window; the load is stopped when it returns. */
    public void run(History history, Load load, Step apply, Step lift) throws Exception {
        run(history, load, apply, lift, () -> {});
    }

    /** Runs the window with {@code afterLift} (e.g. a wait for recovery) right after the fault's end was marked. */
    public void run(History history, Load load, Step apply, Step lift, Step afterLift) throws Exception {
        try {
            load.awaitMore(warmUp, PHASE_LIMIT);
            history.mark(START);
            apply.run();
            Thread.sleep(duration); // the fault's duration, not a wait for something to happen
            lift.run();
            history.mark(END);
            afterLift.run();
            load.awaitMore(after, PHASE_LIMIT);
        } finally {
            load.stop();
        }
    }
}
