package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.action.ActionOperation;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.outbox.OutboxRelay;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code outbox.relay.pause} and {@code outbox.relay.resume}: this instance's outbox relay. */
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
                ? "Pause the outbox relay of this instance: it stops publishing; events wait in the outbox."
                : "Resume the outbox relay of this instance: it publishes the events that waited.";
    }

    @Override
    public String perform(Map<String, String> arguments, String actor) {
        if (pause) {
            return relay.pause() ? "Relay paused" : "Relay was paused already";
        }
        return relay.resume() ? "Relay resumed" : "Relay was running already";
    }

    /** After a pause, which lasts until someone resumes the relay: the button that does. */
    @Override
    public List<AlertAction> followUps(Map<String, String> arguments) {
        return pause ? List.of(AlertAction.operation("Resume the relay", "outbox.relay.resume", Map.of())) : List.of();
    }
}
