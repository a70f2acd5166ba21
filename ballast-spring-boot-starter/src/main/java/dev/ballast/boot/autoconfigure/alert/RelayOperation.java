package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.action.ActionOperation;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.outbox.OutboxRelay;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code outbox.relay.pause} and {@code outbox.relay.resume}: every relay on this service's outbox tables (the pause is a
 * row they all read, so it holds on every instance and across restarts).
 */
final class RelayOperation implements ActionOperation {

    private final OutboxRelay relay;
    private final boolean pause;

    RelayOperation(OutboxRelay relay, boolean pause) {
        this.relay = relay;
        this.pause = pause;
    }

    @Override
    public String name() {
        return pause ? "outbox.relay.pause" : "outbox.relay.resume";
    }

    @Override
    public Set<String> argumentNames() {
        return Set.of();
    }

    @Override
    public String describe(Map<String, String> arguments) {
        return pause
                ? "Pause the outbox relays of every instance of this service: they stop publishing within a poll interval"
                        + " and stay paused, also across restarts, until resumed; events wait in the outbox."
                : "Resume the outbox relays of every instance of this service: they publish the events that waited.";
    }

    @Override
    public String perform(Map<String, String> arguments, String actor) {
        String by = actor.length() > 200 ? actor.substring(0, 200) : actor; // the control row's width
        try {
            if (pause) {
                return relay.pause(by) ? "Relays paused on every instance" : "Relays were paused already";
            }
            return relay.resume(by) ? "Relays resumed on every instance" : "Relays were running already";
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "The database did not take the " + (pause ? "pause" : "resume") + " (" + e.getMessage()
                            + "); the relays are as they were",
                    e);
        }
    }

    /** After a pause, which lasts until someone resumes the relay: the button that does. */
    @Override
    public List<AlertAction> followUps(Map<String, String> arguments) {
        return pause ? List.of(AlertAction.operation("Resume the relay", "outbox.relay.resume", Map.of())) : List.of();
    }
}
