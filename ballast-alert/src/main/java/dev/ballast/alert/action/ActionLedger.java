package dev.ballast.alert.action;

import java.time.Instant;
import java.util.Optional;

/**
 * Where used nonces and the audit trail live. {@link #claim} is the once-only gate: across threads and instances
 * sharing the ledger, exactly one claim of a nonce succeeds. Implementations are thread-safe.
 */
public interface ActionLedger {

    /** Stores {@code record} (outcome RUNNING) unless its nonce is stored already; returns whether it stored it. */
    boolean claim(ActionRecord record);

    /** Records how the use of {@code nonce} ended. */
    void finish(String nonce, Instant at, ActionRecord.Outcome outcome, String result);

    /** The use of {@code nonce}, if any. */
    Optional<ActionRecord> find(String nonce);
}
