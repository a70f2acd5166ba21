package dev.ballast.alert.action;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Where used nonces and the audit trail live. {@link #claim} is the once-only gate: across threads and instances
 * sharing the ledger, exactly one claim of a nonce succeeds. It also holds where each instance answers action links
 * ({@link #announce}), so that a link bound to one instance and signed by another (a button Alertmanager relayed to
 * whichever instance) points at the instance it acts on. Implementations are thread-safe.
 */
public interface ActionLedger {

    /** Stores {@code record} (outcome RUNNING) unless its nonce is stored already; returns whether it stored it. */
    boolean claim(ActionRecord record);

    /** Records how the use of {@code nonce} ended. */
    void finish(String nonce, Instant at, ActionRecord.Outcome outcome, String result);

    /** The use of {@code nonce}, if any. */
    Optional<ActionRecord> find(String nonce);

    /**
     * Records that {@code instance} answers action links at {@code baseUrl} (its {@code ballast.alert.actions.base-url}),
     * replacing what it announced before. Default: kept nowhere.
     */
    default void announce(String instance, URI baseUrl, Instant at) {}

    /** Where each instance that announced itself answers action links, by instance name. Default: none. */
    default Map<String, URI> announced() {
        return Map.of();
    }
}
