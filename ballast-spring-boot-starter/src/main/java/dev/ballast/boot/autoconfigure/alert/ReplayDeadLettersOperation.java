package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.action.ActionOperation;
import dev.ballast.outbox.DeadLetter;
import dev.ballast.outbox.Outbox;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code outbox.replay-dead-letters}: puts the unresolved dead letters (up to 100) back in the outbox, except those
 * whose bytes changed: integrity violations (changed after the append: a manual {@code UPDATE}, corruption, an attack)
 * and letters whose bytes no longer match the hash recorded when they died (changed in the dead-letter table since). A
 * replay would publish the changed bytes under a fresh hash, so a person replays or discards them one by one once they
 * know why (the runbook). A button pressed for another letter must not publish a tampered event along with it.
 */
final class ReplayDeadLettersOperation implements ActionOperation {

    static final int LIMIT = 100;

    private final Outbox outbox;

    ReplayDeadLettersOperation(Outbox outbox) {
        this.outbox = outbox;
    }

    @Override
    public String name() {
        return "outbox.replay-dead-letters";
    }

    @Override
    public Set<String> argumentNames() {
        return Set.of();
    }

    @Override
    public String describe(Map<String, String> arguments) {
        return "Replay the unresolved dead letters of the outbox (up to " + LIMIT + "): each goes back to the outbox"
                + " with fresh attempts and its aggregate is unblocked. Integrity violations (bytes changed after the"
                + " append) and letters changed in the dead-letter table are left for a person: replay or discard them"
                + " one by one once you know why.";
    }

    @Override
    public String perform(Map<String, String> arguments, String actor) throws SQLException {
        List<DeadLetter> letters = outbox.deadLetters().list(LIMIT);
        int replayed = 0;
        int refused = 0;
        int tampered = 0;
        for (DeadLetter letter : letters) {
            try {
                if (outbox.deadLetters().replayIfUnchanged(letter.eventId(), actor, "replayed from an alert action")) {
                    replayed++;
                } else {
                    tampered++;
                }
            } catch (IllegalStateException e) {
                refused++; // resolved meanwhile by someone else
            }
        }
        return "Replayed " + replayed + " dead letter(s)"
                + (refused > 0 ? "; " + refused + " were resolved already" : "")
                + (tampered > 0
                        ? "; " + tampered + " letter(s) whose bytes changed (integrity violations, or changed in the"
                                + " dead-letter table) left for a person to replay or discard one by one (see the"
                                + " runbook)"
                        : "");
    }
}
