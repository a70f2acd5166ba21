package dev.ballast.alert;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import java.util.Optional;

/**
 * Turns an operation action ({@link AlertAction#isOperation()}) into a link a person can follow, usually a signed
 * {@code /ballast/actions/{token}} link. Called on the router's dispatcher thread; must be thread-safe and quick.
 */
@FunctionalInterface
public interface ActionLinker {

    /** The link for {@code operation} of {@code alert}, or empty to leave the operation out of the message. */
    Optional<AlertAction> link(Alert alert, AlertAction operation);

    /** Leaves every operation out (signed actions off). */
    static ActionLinker none() {
        return (alert, operation) -> Optional.empty();
    }
}
