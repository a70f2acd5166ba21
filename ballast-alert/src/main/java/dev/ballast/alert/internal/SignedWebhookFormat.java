package dev.ballast.alert.internal;

import dev.ballast.alert.Message;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The generic webhook: {@link MessageJson}, signed with HMAC-SHA256 over {@code timestamp + "." + body}. Thread-safe.
 */
public final class SignedWebhookFormat implements WebhookFormat {

    /** Header with {@code sha256=<lower-case hex>}. */
    public static final String SIGNATURE = "X-Ballast-Signature";

    /** Header with the epoch seconds the signature covers. */
    public static final String TIMESTAMP = "X-Ballast-Timestamp";

    private final SecretKeySpec key;
    private final Clock clock;

    public SignedWebhookFormat(byte[] secret) {
        this(secret, Clock.systemUTC());
    }

    SignedWebhookFormat(byte[] secret, Clock clock) {
        if (secret.length < 16) {
            throw new IllegalArgumentException(
                    "Webhook signing secret must be at least 16 bytes, was " + secret.length);
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.clock = clock;
    }

    @Override
    public byte[] body(Message message) {
        return Json.MAPPER.writeValueAsBytes(MessageJson.of(message));
    }

    @Override
    public void headers(HttpRequest.Builder request, byte[] body) {
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        request.header(TIMESTAMP, timestamp).header(SIGNATURE, "sha256=" + sign(timestamp, body));
    }

    /** The hex HMAC-SHA256 of {@code timestamp + "." + body}, as a receiver recomputes it. */
    public String sign(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
