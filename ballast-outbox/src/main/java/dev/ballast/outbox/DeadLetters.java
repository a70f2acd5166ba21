package dev.ballast.outbox;

import dev.ballast.outbox.internal.DeadLetterStore;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The dead-letter table: list, replay, discard, and import from the fallback file. Replays and discards record who,
 * when and why, and are refused unless the letter is still {@code DEAD}. Thread-safe.
 */
public final class DeadLetters {

    private final DeadLetterStore store;

    DeadLetters(DeadLetterStore store) {
        this.store = store;
    }

    /** Unresolved dead letters, oldest first, at most {@code limit} (1 to 1000). */
    public List<DeadLetter> list(int limit) throws SQLException {
        return list(0, limit);
    }

    /** A page of unresolved dead letters, oldest first: skips {@code offset} (0 or more), then at most {@code limit}. */
    public List<DeadLetter> list(int offset, int limit) throws SQLException {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("Dead-letter list limit must be 1 to 1000, was " + limit);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("Dead-letter list offset must be 0 or more, was " + offset);
        }
        return store.list(offset, limit);
    }

    /** The dead letter of {@code eventId}, in any state. */
    public Optional<DeadLetter> find(String eventId) throws SQLException {
        return store.find(eventId);
    }

    /** How many dead letters are unresolved. */
    public long count() throws SQLException {
        return store.count();
    }

    /**
     * Puts the event back in the outbox with fresh attempts and unblocks its aggregate. The stored bytes are re-hashed
     * as accepted by {@code actor} (for an integrity violation, replay only after checking them).
     *
     * @throws IllegalStateException if the letter is not {@code DEAD} or its event was published meanwhile
     */
    public void replay(String eventId, String actor, String reason) throws SQLException {
        store.replay(eventId, actor, reason, false);
    }

    /**
     * Replays the letter as {@link #replay} does, but only if it is not an integrity violation and its bytes still
     * match the hash recorded with them when it died; otherwise changes nothing and returns false. What a replay of
     * many letters at once uses, so that a letter whose bytes were changed (before it died, or in the dead-letter table
     * since) is published only after a person looked at it.
     *
     * @return true if replayed, false if left because its bytes changed
     * @throws IllegalStateException if the letter is not {@code DEAD} or its event was published meanwhile
     */
    public boolean replayIfUnchanged(String eventId, String actor, String reason) throws SQLException {
        return store.replay(eventId, actor, reason, true);
    }

    /**
     * True if {@code letter}'s bytes still match the hash recorded with them: false for an integrity violation, and for
     * a letter changed in the dead-letter table after it died. Needs the key of the letter's key version in HMAC mode.
     */
    public boolean unchanged(DeadLetter letter) {
        return store.unchanged(letter);
    }

    /** Gives the event up for good; a blocked aggregate continues with its next event. */
    public void discard(String eventId, String actor, String reason) throws SQLException {
        store.discard(eventId, actor, reason);
    }

    /**
     * Imports the dead letters a relay wrote to its fallback file while the table could not be written; entries already
     * in the table are skipped, so importing twice is harmless. Returns the number imported.
     */
    public int importFile(Path file) throws SQLException, IOException {
        return store.importFile(file);
    }
}
