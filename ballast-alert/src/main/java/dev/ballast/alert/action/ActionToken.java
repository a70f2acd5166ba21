package dev.ballast.alert.action;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a signed link asks for. Immutable.
 *
 * @param keyId the signing key's id
 * @param operation the operation's name
 * @param arguments its arguments, sorted by name
 * @param fingerprint the alert it came with
 * @param expiresAt when the link stops working
 * @param nonce unique per link; performing it stores the nonce, so a link works once
 */
public record ActionToken(
        String keyId,
        String operation,
        Map<String, String> arguments,
        String fingerprint,
        Instant expiresAt,
        String nonce) {

    /** Validates and copies. */
    public ActionToken {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(nonce, "nonce");
        arguments = java.util.Collections.unmodifiableMap(new TreeMap<>(arguments));
    }
}
