package dev.ballast.chaos;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * The shape of most scenarios: under load, warm up, apply the fault (marking {@link #START} before and {@link
 * #APPLIED} after), keep it for {@code duration}, lift it (marking {@link #LIFT} before and {@link #END} after), let the load run on until {@code after} more operations completed and then
 * until it is quiet (nothing failed for {@link #QUIET} and no request has been waiting longer, at most {@link
 * #QUIET_LIMIT} longer, so that a slow recovery is measured rather than cut off), stop the load, each client at its
 * next success ({@link Load#stopAfterSuccess}). Immutable.
 *
 * @param warmUp operations that complete before the fault
 * @param duration how long the fault lasts
 * @param after operations that complete after the fault was lifted
 */
public record FaultWindow(long warmUp, Duration duration, long after) {

    /** The history's mark when the fault was applied. */
    public static final String START = "fault-start";

    /**
     * The history's mark when the apply step returned: a request sent between {@link #START} and this may still have
     * been caught by the fault (a signal lands while the command that sends it is still running).
     */
    public static final String APPLIED = "fault-applied";

    /**
     * The history's mark when lifting the fault began: what was held up by the fault may complete while the lift step
     * itself still runs (a thawed process answers before the signal command returns), so before {@link #END}.
     */
    public static final String LIFT = "fault-lift";

    /** The history's mark when the fault was lifted. */
    public static final String END = "fault-end";

    /** How long nothing may fail before the load stops. */
    public static final Duration QUIET = Duration.ofSeconds(2);

    /** The longest the load runs on waiting for {@link #QUIET}. */
    public static final Duration QUIET_LIMIT = Duration.ofSeconds(60);

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
        boolean quiet = false;
        try {
            load.awaitMore(warmUp, PHASE_LIMIT);
            history.mark(START);
            apply.run();
            history.mark(APPLIED);
            Thread.sleep(duration); // the fault's duration, not a wait for something to happen
            history.mark(LIFT);
            lift.run();
            history.mark(END);
            afterLift.run();
            load.awaitMore(after, PHASE_LIMIT);
            awaitQuiet(history, load);
            quiet = true;
        } finally {
            if (quiet) {
                // a request sent just before the stop may still fail (e.g. after a 5 s lock wait): its client goes on
                // until it succeeds, so the history never ends on a failure that nothing could follow
                load.stopAfterSuccess(QUIET_LIMIT);
            } else {
                load.stop();
            }
        }
    }

    /**
     * Quiet: what completed in the last {@link #QUIET} all succeeded, and no request still waiting was sent before
     * that (one waiting longer, e.g. on a lock still held after the fault, may yet fail).
     */
    private static void awaitQuiet(History history, Load load) throws InterruptedException {
        long deadline = System.nanoTime() + QUIET_LIMIT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            long since = System.nanoTime() - QUIET.toNanos();
            List<Operation> recent = history.operations().stream()
                    .filter(op -> op.completedNanos() >= since)
                    .toList();
            OptionalLong oldest = load.oldestInFlight();
            boolean noneWaitingLong = oldest.isEmpty() || oldest.getAsLong() - since >= 0;
            if (!recent.isEmpty() && noneWaitingLong && recent.stream().allMatch(op -> op.outcome() == Outcome.OK)) {
                return;
            }
            Thread.sleep(200);
        }
    }
}
