package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.AlertStatus;
import dev.ballast.alert.alertmanager.AlertmanagerWebhook;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /ballast/alertmanager}: Alertmanager's webhook (JSON version 4) into the application's alert sink, so
 * Prometheus alerts take the same routes, deduplication, silences and buttons as alerts raised in the JVM. With {@code
 * ballast.alert.alertmanager.token} set, the request must carry {@code Authorization: Bearer <token>}; without it, the
 * alerts are taken as unverified: no buttons or links (operations, runbook and generator URLs), which only an
 * authenticated sender may ask for, URLs in their text defanged and the title marked {@code Unverified:}. Errors are
 * RFC 9457 problems with a {@code code}. Thread-safe.
 */
@RestController
final class AlertmanagerReceiver {

    private static final Pattern URL_SCHEME = Pattern.compile("(?i)http(s?)://");

    private final AlertSink sink;
    private final byte @Nullable [] token;
    private final @Nullable MeterRegistry registry;

    AlertmanagerReceiver(AlertSink sink, @Nullable String token, @Nullable MeterRegistry registry) {
        this.sink = sink;
        this.registry = registry;
        this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    // produces: a client that does not take JSON is refused (406) before its alerts are routed, not after
    @PostMapping(path = "/ballast/alertmanager", consumes = "application/json", produces = "application/json")
    ResponseEntity<?> receive(
            @RequestBody(required = false) byte @Nullable [] body,
            @RequestHeader(name = "Authorization", required = false) @Nullable String auth) {
        if (token != null && !MessageDigest.isEqual(token, bearer(auth))) {
            return problem(HttpStatus.UNAUTHORIZED, "ALERTMANAGER_UNAUTHORIZED", "A valid bearer token is required");
        }
        if (body == null || body.length == 0) {
            return problem(
                    HttpStatus.BAD_REQUEST,
                    "ALERTMANAGER_PAYLOAD_INVALID",
                    "The body is empty; Alertmanager's webhook JSON (with an \"alerts\" array) is expected");
        }
        List<Alert> alerts;
        try {
            alerts = AlertmanagerWebhook.parse(body);
        } catch (IllegalArgumentException e) {
            return problem(HttpStatus.BAD_REQUEST, "ALERTMANAGER_PAYLOAD_INVALID", e.getMessage());
        }
        for (Alert received : alerts) {
            Alert alert = token == null ? unverified(received) : received;
            sink.send(alert);
            if (registry != null) {
                registry.counter(
                                "ballast.alert.alertmanager.received",
                                "status",
                                AlertStatus.isResolved(alert) ? "resolved" : "firing")
                        .increment();
            }
        }
        return ResponseEntity.ok(Map.of("received", alerts.size()));
    }

    /**
     * {@code received} as a sender nobody authenticated may have written it: no buttons or links (the router would sign
     * an operation button, and a link could point anywhere: black-box checks posted an alert that came out with a valid
     * signed "pause the relay" link, and one whose "Prometheus" button pointed where the sender liked), URLs in its text
     * defanged ({@code hxxps://}, so no chat renders them as links), and its title marked {@code Unverified:}. The text
     * stays readable, so a real alert is still seen.
     */
    static Alert unverified(Alert received) {
        String title = "Unverified: " + defang(received.title());
        if (title.length() > Alert.MAX_TITLE_LENGTH) {
            title = title.substring(0, Alert.MAX_TITLE_LENGTH - 1) + "\u2026";
        }
        Map<String, String> labels = new LinkedHashMap<>();
        received.labels().forEach((key, value) -> labels.put(key, defang(value)));
        return new Alert(
                received.severity(),
                title,
                defang(received.detail()),
                received.context(),
                received.fingerprint(),
                labels,
                List.of(),
                received.timestamp());
    }

    private static String defang(String text) {
        return URL_SCHEME.matcher(text).replaceAll(url -> url.group(1).isEmpty() ? "hxxp://" : "hxxps://");
    }

    static ResponseEntity<ProblemDetail> problem(HttpStatus status, String code, @Nullable String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("https://ballast.dev/problems/" + code.toLowerCase(java.util.Locale.ROOT)));
        problem.setProperty("code", code);
        return ResponseEntity.status(status)
                .contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    /** The credentials of an {@code Authorization: Bearer} header; the scheme's case does not matter (RFC 9110). */
    private static byte[] bearer(@Nullable String authorization) {
        if (authorization == null
                || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return new byte[0];
        }
        return authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    }
}
