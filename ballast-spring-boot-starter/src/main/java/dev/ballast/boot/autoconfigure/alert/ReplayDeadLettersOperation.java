package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.action.ActionOperation;
import dev.ballast.outbox.DeadLetter;
import dev.ballast.outbox.Outbox;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/** {@code outbox.replay-dead-letters}: puts every unresolved dead letter (up to 100) back in the outbox. */
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
    public String describe(Map<String, String> arguments) {
        return "Replay the unresolved dead letters of the outbox (up to " + LIMIT + "): each goes back to the outbox"
                + " with fresh attempts and its aggregate is unblocked.";
    }

    @Override
    public String perform(Map<String, String> arguments, String actor) throws SQLException {
        List<DeadLetter> letters = outbox.deadLetters().list(LIMIT);
        int replayed = 0;
        int refused = 0;
        for (DeadLetter letter : letters) {
            try {
                outbox.deadLetters().replay(letter.eventId(), actor, "replayed from an alert action");
                replayed++;
            } catch (IllegalStateException e) {
                refused++; // resolved meanwhile by someone else
            }
        }
        return "Replayed " + replayed + " dead letter(s)"
                + (refused > 0 ? "; " + refused + " were resolved already" : "");
    }
}
