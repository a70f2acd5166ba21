package dev.ballast.alert.action;

import dev.ballast.core.alert.AlertAction;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Something a person can do from an alert message. Register implementations with {@link ActionService}; the built-in
 * ones (replay dead letters, pause/resume the relay, open/close a cache's breaker, switch the lock mode, resize an
 * executor pool) come with the Spring starter. Implementations must be thread-safe and check their arguments: they
 * come from a signed link, but the operation decides what is allowed.
 */
public interface ActionOperation {

    /** The name used in {@link dev.ballast.core.alert.AlertAction#operation}. */
    String name();

    /**
     * The names of the arguments it takes; a link with any other name is refused before it is signed or shown
     * (a typo such as {@code maxx} would otherwise be ignored in silence). Null, the default, when it does not say: any
     * names are then passed on.
     */
    default @Nullable Set<String> argumentNames() {
        return null;
    }

    /**
     * True when it changes only the instance that performs it (a cache's breaker, an executor pool), not state the
     * instances share (the relay's pause row, the lock mode). Its links then carry the argument {@value
     * ActionService#INSTANCE_ARGUMENT}: the instance whose alert offered it (or whose actuator signed it), set by the
     * signer unless given; another instance refuses such a link ({@link ActionException.Reason#WRONG_INSTANCE}) without
     * using it up. The operation itself never sees that argument. False by default.
     */
    default boolean perInstance() {
        return false;
    }

    /**
     * Checks what can be checked of {@code arguments} without this instance's state (a number that is not a number, a
     * value over a fixed limit, a required argument missing). Called when a link bound to another instance is signed:
     * {@link #describe} is not, as it reads this instance's state, and the bound instance checks the rest when the link
     * is opened there. Nothing by default.
     *
     * @throws IllegalArgumentException if the arguments cannot be acceptable on any instance
     */
    default void checkArguments(Map<String, String> arguments) {}

    /** One sentence for the confirmation page: what performing it with {@code arguments} will do. */
    String describe(Map<String, String> arguments);

    /**
     * Performs the operation; returns one sentence saying what was done.
     *
     * @throws IllegalArgumentException if the arguments are not acceptable (the page shows the message)
     * @throws Exception if the operation failed (the page shows its class and message)
     */
    String perform(Map<String, String> arguments, String actor) throws Exception;

    /**
     * Buttons for the INFO alert that reports this operation done with {@code arguments}: the way back, for an
     * operation that holds something in a state until someone undoes it (locks held on the database, a breaker held
     * open, a paused relay). None by default.
     */
    default List<AlertAction> followUps(Map<String, String> arguments) {
        return List.of();
    }
}
