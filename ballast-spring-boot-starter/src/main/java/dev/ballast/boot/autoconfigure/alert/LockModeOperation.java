package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.action.ActionOperation;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.resilient.LockMode;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;

/**
 * {@code lock.mode}: moves every instance's locks to the resilient chain's primary or fallback ({@code mode} =
 * {@code PRIMARY} or {@code FALLBACK}). A move to the fallback made this way stays until someone moves locks back;
 * either move takes effect after the chain's switch delay, as an automatic fail-over does.
 */
final class LockModeOperation implements ActionOperation {

    private final ObjectProvider<LockStrategy> strategies;

    LockModeOperation(ObjectProvider<LockStrategy> strategies) {
        this.strategies = strategies;
    }

    /** The application's resilient chain; locks on a single backend have no mode to move. */
    private ResilientLockStrategy locks() {
        LockStrategy strategy = strategies.getIfUnique();
        if (strategy instanceof ResilientLockStrategy resilient) {
            return resilient;
        }
        throw new IllegalArgumentException("Locks here run on "
                + (strategy == null ? "no strategy" : "the " + strategy.backend() + " backend alone")
                + ", not on the resilient chain (ballast.lock.backend=RESILIENT): there is no mode to move");
    }

    @Override
    public String name() {
        return "lock.mode";
    }

    @Override
    public Set<String> argumentNames() {
        return Set.of("mode");
    }

    @Override
    public String describe(Map<String, String> arguments) {
        LockMode to = mode(arguments);
        ResilientLockStrategy locks = locks();
        return to == LockMode.FALLBACK
                ? "Move every instance's locks to the database fallback and keep them there until someone moves them"
                        + " back; no lock is granted during the switch delay. Locks are now on " + locks.mode() + "."
                : "Move every instance's locks back to the primary (Redis); during the switch delay locks are taken"
                        + " on both backends. Locks are now on " + locks.mode() + ".";
    }

    @Override
    public String perform(Map<String, String> arguments, String actor) {
        LockMode to = mode(arguments);
        ResilientLockStrategy locks = locks();
        if (locks.switchMode(to, actor)) {
            return "Locks are moving to " + to + " on every instance (after the switch delay)";
        }
        return "Locks were already on " + locks.mode() + "; nothing changed";
    }

    /** After a move to the fallback, which stays until someone moves locks back: the button that does. */
    @Override
    public List<AlertAction> followUps(Map<String, String> arguments) {
        return mode(arguments) == LockMode.FALLBACK
                ? List.of(AlertAction.operation("Move locks back to Redis", name(), Map.of("mode", "PRIMARY")))
                : List.of();
    }

    private static LockMode mode(Map<String, String> arguments) {
        String mode = arguments.get("mode");
        if (mode == null) {
            throw new IllegalArgumentException("No mode given: use PRIMARY or FALLBACK");
        }
        try {
            return LockMode.valueOf(mode.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mode must be PRIMARY or FALLBACK, was '" + mode + "'");
        }
    }
}
