package dev.ballast.alert.internal;

import dev.ballast.alert.ActionLinker;
import dev.ballast.alert.AlertRouter;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An alert's actions as a message shows them: plain links kept, each operation replaced by the link the
 * {@link ActionLinker} makes for it, or left out when it makes none or fails.
 *
 * <p>Concurrency: stateless; called by the pipeline on the dispatcher thread.
 */
public final class ActionLinks {

    private static final Logger log = LoggerFactory.getLogger(AlertRouter.class); // the router's log category

    private ActionLinks() {}

    /** The actions of {@code alert} for its message, linked by {@code linker}. */
    public static List<AlertAction> of(ActionLinker linker, Alert alert) {
        if (alert.actions().isEmpty()) {
            return List.of();
        }
        List<AlertAction> links = new ArrayList<>(alert.actions().size());
        for (AlertAction action : alert.actions()) {
            if (!action.isOperation()) {
                links.add(action);
            } else {
                try {
                    linker.link(alert, action).ifPresent(links::add);
                } catch (RuntimeException e) {
                    log.warn(
                            "Action '{}' of alert '{}' left out: {}",
                            action.label(),
                            alert.fingerprint(),
                            e.toString());
                }
            }
        }
        return links;
    }
}
