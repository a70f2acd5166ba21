package dev.ballast.outbox;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * How the content hash of an event is computed: plain SHA-256 (detects corruption), or HMAC-SHA256 with a key kept
 * outside the database (also detects tampering by someone who can write the table but not read the key). Keys are
 * versioned: each event stores the version it was hashed with, so keys can be rotated while old events remain
 * verifiable. Keys never appear in {@link #toString()}, logs or exceptions. Thread-safe.
 */
public final class Integrity {

    /** The shortest HMAC key {@link #hmacSha256} accepts, in bytes. */
    public static final int MIN_KEY_BYTES = 32;

    private final @Nullable Integer currentVersion;
    private final Map<Integer, byte[]> keys;

    private Integrity(@Nullable Integer currentVersion, Map<Integer, byte[]> keys) {
        this.currentVersion = currentVersion;
        this.keys = keys;
    }

    /** Plain SHA-256. */
    public static Integrity sha256() {
        return new Integrity(null, Map.of());
    }

    /**
     * HMAC-SHA256; new events use {@code currentVersion}, older events are checked with the key of their version.
     *
     * @param keys by version; each at least 32 bytes
     * @throws IllegalArgumentException if the current version has no key or a key is too short (the message names the
     *     version, never the key)
     */
    public static Integrity hmacSha256(int currentVersion, Map<Integer, byte[]> keys) {
        TreeMap<Integer, byte[]> copy = new TreeMap<>();
        keys.forEach((version, key) -> {
            if (key == null || key.length < MIN_KEY_BYTES) {
                throw new IllegalArgumentException(
                        "Outbox HMAC key version " + version + " must be at least " + MIN_KEY_BYTES + " bytes");
            }
            copy.put(version, key.clone());
        });
        if (!copy.containsKey(currentVersion)) {
            throw new IllegalArgumentException("Outbox HMAC current key version " + currentVersion
                    + " has no key; versions present: " + copy.keySet());
        }
        return new Integrity(currentVersion, copy);
    }

    /** The key version new events are hashed with, or null for plain SHA-256. */
    public @Nullable Integer currentKeyVersion() {
        return currentVersion;
    }

    /**
     * The lowercase hex digest of {@code content}: SHA-256 if {@code keyVersion} is null, else HMAC-SHA256 with that
     * key version.
     *
     * @throws IllegalArgumentException if there is no key for {@code keyVersion}
     */
    public String digest(byte[] content, @Nullable Integer keyVersion) {
        try {
            if (keyVersion == null) {
                return HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            }
            byte[] key = keys.get(keyVersion);
            if (key == null) {
                throw new IllegalArgumentException("No outbox HMAC key for version " + keyVersion);
            }
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(content));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 and HmacSHA256 are required by every Java platform", e);
        }
    }

    /** True if {@code expectedHex} is the digest of {@code content}, compared in constant time. */
    public boolean matches(byte[] content, @Nullable Integer keyVersion, String expectedHex) {
        try {
            return MessageDigest.isEqual(
                    digest(content, keyVersion).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    expectedHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException unknownKey) {
            return false;
        }
    }

    /**
     * True if {@code message}'s content hash matches its fields and payload (what a consumer checks before handling a
     * message; the relay checks the stored row the same way before publishing). Needs the key of the message's key
     * version in HMAC mode; without it the answer is false.
     */
    public boolean verifies(OutboxMessage message) {
        return matches(
                dev.ballast.outbox.internal.MessageCodec.hashedContent(message),
                message.keyVersion(),
                message.contentHash());
    }

    @Override
    public String toString() {
        return currentVersion == null
                ? "Integrity[SHA-256]"
                : "Integrity[HMAC-SHA256, key version " + currentVersion + ", versions " + keys.keySet() + "]";
    }
}
