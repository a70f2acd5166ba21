package dev.ballast.example.brokerage.idempotency;

import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Enumeration;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * The {@code Idempotency-Key} header: 1 to 200 visible ASCII characters. A key becomes the outbox request id {@code
 * <scope>:<SHA-256 of the key>} (at most 70 characters), so every key the API accepts fits the outbox's 200-character
 * request id, and keys of orders and deposits never collide.
 */
public final class IdempotencyKeys {

    /** The header's name. */
    public static final String HEADER = "Idempotency-Key";

    /** Longest key accepted. */
    public static final int MAX_LENGTH = 200;

    private IdempotencyKeys() {}

    /**
     * The request's one {@code Idempotency-Key} header, or null without one; 400 for two or more. Spring MVC would join
     * them with a comma into one key, itself a valid key: "a" and "b" sent twice would be the key "a,b".
     */
    public static @Nullable String header(HttpServletRequest request) {
        Enumeration<String> values = request.getHeaders(HEADER);
        if (values == null || !values.hasMoreElements()) {
            return null;
        }
        String first = values.nextElement();
        if (values.hasMoreElements()) {
            throw new ClientException(
                    CommonErrorCode.INVALID_INPUT, "send one Idempotency-Key header, not several; nothing was written");
        }
        return first;
    }

    /** {@code key} if it is valid; 400 otherwise. */
    public static String require(@Nullable String key) {
        if (key == null) {
            throw new ClientException(CommonErrorCode.INVALID_INPUT, "the Idempotency-Key header is required");
        }
        String wrong = wrongWith(key);
        if (wrong != null) {
            // what is wrong, then the rule; never the key itself (it may be long or hold control characters)
            throw new ClientException(
                    CommonErrorCode.INVALID_INPUT,
                    "the Idempotency-Key header " + wrong + "; it must be 1 to " + MAX_LENGTH
                            + " visible ASCII characters");
        }
        return key;
    }

    private static @Nullable String wrongWith(String key) {
        if (key.isEmpty()) {
            return "is empty";
        }
        if (key.length() > MAX_LENGTH) {
            return "is " + key.length() + " characters long";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return "has a "
                        + (c == ' ' ? "space" : c < 0x20 || c == 0x7f ? "control character" : "non-ASCII character")
                        + " at index " + i;
            }
        }
        return null;
    }

    /** The outbox request id of {@code key} within {@code scope} (e.g. {@code order}). */
    public static String requestId(String scope, String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.US_ASCII));
            return scope + ":" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
