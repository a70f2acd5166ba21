package dev.ballast.lock.resilient;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockListener.BreakerState;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * How a resilient strategy tells operators about modes: a log line, an alert and a listener event (for metrics) for the
 * switch this instance made, for each mode change this instance follows (every instance reports those), and for
 * revocations. Thread-safe.
 */
final class ModeSignals {

    private static final Logger log = LoggerFactory.getLogger(ResilientLockStrategy.class);

    private final String instance;
    private final LockListener listener;
    private final AtomicReference<BreakerState> lastReported = new AtomicReference<>(BreakerState.CLOSED);
    private final AlertSink alerts;
    /** The epoch of this instance's latest switch: following it needs no second log line. */
    private final AtomicLong switchedEpoch = new AtomicLong(-1);

    ModeSignals(String instance, LockListener listener, AlertSink alerts) {
        this.instance = instance;
        this.listener = listener;
        this.alerts = alerts;
    }

    /**
     * This instance moved every instance's locks from {@code from} to {@code to}; {@code changedBy} as recorded with
     * the switch (this instance, or {@link ModeView#OPERATOR} and the operator's name).
     */
    void switched(String from, String to, boolean toFallback, long epoch, long delayMillis, String changedBy) {
        listener.modeSwitched(from, to, epoch);
        String operator = operator(changedBy);
        String who =
                operator == null ? "Instance " + instance : "Operator " + operator + ", on instance " + instance + ",";
        alerts.send(modeAlert(
                from,
                to,
                toFallback,
                changedBy,
                who + " switched the lock mode to " + to + " (epoch " + epoch + ")"
                        + (toFallback
                                ? "; no lock is granted until " + delayMillis + " ms have passed, so every holder"
                                        + " under " + from + " has let go"
                                : "; for the next " + delayMillis + " ms locks are taken on both " + from + " and " + to
                                        + ", so they exclude the holders under either")));
        switchedEpoch.set(epoch);
        log.atLevel(toFallback ? Level.WARN : Level.INFO)
                .log(
                        "Lock mode switched from {} to {} (epoch {}, by {}), effective in {} ms",
                        from,
                        to,
                        epoch,
                        changedBy,
                        delayMillis);
    }

    /** This instance saw the mode change to {@code to} (epoch {@code epoch}, switched by {@code changedBy}). */
    void followed(String from, String to, boolean toFallback, long epoch, String changedBy, long effectiveInMillis) {
        listener.modeFollowed(from, to, epoch);
        if (switchedEpoch.get() == epoch) {
            return; // this instance made the switch and said so: one alert and one log line per switch
        }
        if (from.equals(to)) {
            // switched away and back between two readings of this instance: its locks stay where they were (on a new
            // epoch); "failed over from jdbc to jdbc" would tell nobody anything, the switching instances said it all
            log.info(
                    "The lock mode is {} again (epoch {}, switched by {}): this instance missed the switches in between",
                    to,
                    epoch,
                    changedBy);
            return;
        }
        alerts.send(modeAlert(
                from,
                to,
                toFallback,
                changedBy,
                "Instance " + instance + " now takes locks on " + to + " instead of " + from + " (epoch " + epoch
                        + ", switched by " + changedBy + "), effective in " + effectiveInMillis + " ms"));
        log.atLevel(toFallback ? Level.WARN : Level.INFO)
                .log(
                        "Following the lock mode change from {} to {} (epoch {}, switched by {}), effective in {} ms",
                        from,
                        to,
                        epoch,
                        changedBy,
                        effectiveInMillis);
    }

    /**
     * "Locks are on the fallback" is one condition for the whole service, so the instance that switches and every
     * instance that follows raise the same alert (one fingerprint per fallback backend, no instance in it: a router
     * or a shared dedup ledger makes it one message); the return to the primary is its {@link Alert#resolved resolved}
     * form, so whoever was told of the failover is told it is over.
     */
    private static Alert modeAlert(String from, String to, boolean toFallback, String changedBy, String detail) {
        String primary = toFallback ? from : to;
        String fallback = toFallback ? to : from;
        // an operator's move is not a failure of the primary: the title says who, the fingerprint stays the same
        String title = operator(changedBy) == null
                ? "Locks failed over from " + primary + " to " + fallback
                : "Locks moved from " + primary + " to " + fallback + " by an operator";
        Alert.Builder builder = Alert.builder(Severity.WARNING, title)
                .detail(detail)
                .label("module", "lock")
                .label("backend", fallback)
                .fingerprint("lock-mode|" + fallback);
        if (toFallback && operator(changedBy) != null) {
            // an operator's move stays until someone moves locks back: every instance's message carries the way back;
            // a router does not count it, or its end, as the fail-over flapping
            builder.label(Alert.CAUSE_LABEL, Alert.BY_OPERATOR);
            builder.action(AlertAction.operation(
                    "Move locks back to " + ("redis".equals(primary) ? "Redis" : primary),
                    "lock.mode",
                    Map.of("mode", "PRIMARY")));
        }
        Alert failedOver = builder.build();
        return toFallback
                ? failedOver
                : failedOver.resolved("Locks returned from " + fallback + " to " + primary + ". " + detail);
    }

    /**
     * The operator's name if an operator switched, else null: {@code changedBy} is then {@link ModeView#OPERATOR}, the
     * name, {@link ModeView#VIA} and the instance that carried the switch out.
     */
    private static @Nullable String operator(@Nullable String changedBy) {
        if (changedBy == null || !changedBy.startsWith(ModeView.OPERATOR)) {
            return null;
        }
        String actor = changedBy.substring(ModeView.OPERATOR.length());
        int via = actor.lastIndexOf(ModeView.VIA);
        return via > 0 ? actor.substring(0, via) : actor;
    }

    /**
     * The primary did not answer when the strategy started: this instance proposes the fallback at once. {@code
     * refusal}: the server's answer when it refused the credentials, else null.
     */
    void downAtStart(String primary, String fallback, long probeMillis, @Nullable String refusal) {
        log.warn(
                "Lock backend {} does not answer at start-up{}; proposing the fallback {} (probed every {} ms)",
                primary,
                refusal == null
                        ? ""
                        : ": it refused the credentials (" + refusal + "; check the user name and password the Redis"
                                + " client is given, spring.data.redis.* with the starter; not shown)",
                fallback,
                probeMillis);
    }

    /** {@code count} handles of this instance were revoked because {@code why}. */
    void revoked(int count, String why) {
        alerts.send(Alert.builder(Severity.WARNING, "Locks revoked")
                .detail(count + " lock(s) held on instance " + instance + " were revoked because " + why
                        + "; writes not fenced by their tokens may overlap with the next holders'")
                .label("module", "lock")
                .label("backend", "resilient")
                .fingerprint("lock-revoked|" + instance)
                .build());
    }

    /** Tells the listener that the breaker in front of {@code backend} moved, once per change. */
    void breakerMoved(String backend, BreakerState state) {
        BreakerState previous = lastReported.getAndSet(state);
        if (previous != state) {
            listener.breakerChanged(backend, state);
        }
    }
}
