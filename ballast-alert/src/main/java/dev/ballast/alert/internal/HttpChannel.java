package dev.ballast.alert.internal;

import dev.ballast.alert.Channel;
import dev.ballast.alert.DeliveryResult;
import dev.ballast.alert.Message;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * A channel that POSTs one JSON body per message over the JDK {@link HttpClient}, with a connect and a read timeout.
 * The address is a secret: no result detail, log line or exception of this class contains it. {@link #close()} shuts
 * the client down (its selector thread and connections); a delivery after that is {@code REJECTED} as {@code channel
 * closed} without a request. Thread-safe.
 */
public final class HttpChannel implements Channel {

    private final String name;
    private final URI url;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final WebhookFormat format;
    private final HttpClient client;
    private volatile boolean closed;

    public HttpChannel(String name, URI url, Duration connectTimeout, Duration readTimeout, WebhookFormat format) {
        this.name = Objects.requireNonNull(name, "name");
        this.url = Objects.requireNonNull(url, "url");
        this.connectTimeout = positive("connectTimeout", connectTimeout);
        this.readTimeout = positive("readTimeout", readTimeout);
        this.format = format;
        this.client = HttpClient.newBuilder()
                .connectTimeout(this.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Kind kind() {
        return Kind.CHAT;
    }

    @Override
    public DeliveryResult deliver(Message message) {
        if (closed) {
            return new DeliveryResult(DeliveryResult.Outcome.REJECTED, Duration.ZERO, 0, "channel closed");
        }
        byte[] body = format.body(message);
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(readTimeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "ballast-alert")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        format.headers(request, body);
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return classify(response);
        } catch (HttpConnectTimeoutException e) {
            return DeliveryResult.retry(0, Duration.ZERO, "connect timed out after " + connectTimeout);
        } catch (HttpTimeoutException e) {
            return DeliveryResult.retry(0, Duration.ZERO, "timed out after " + readTimeout);
        } catch (IOException e) {
            return DeliveryResult.retry(
                    0, Duration.ZERO, "I/O error: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DeliveryResult.retry(0, Duration.ZERO, "interrupted");
        }
    }

    /**
     * Shuts the client down, waiting for a request still in flight (bounded by the read timeout); the router calls
     * this after the channel's worker stopped, so normally none is.
     */
    @Override
    public void close() {
        closed = true;
        client.close();
    }

    static DeliveryResult classify(HttpResponse<String> response) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            Duration pause = remaining(response)
                    .filter(left -> left == 0)
                    .flatMap(left -> seconds(response, "X-RateLimit-Reset-After"))
                    .orElse(Duration.ZERO);
            return new DeliveryResult(DeliveryResult.Outcome.DELIVERED, pause, status, "HTTP " + status);
        }
        if (status == 429) {
            Duration pause = retryAfter(response)
                    .or(() -> seconds(response, "X-RateLimit-Reset-After"))
                    .orElse(Duration.ofSeconds(1));
            return DeliveryResult.retry(status, pause, "HTTP 429, retry after " + pause);
        }
        if (status >= 500 || status == 408) {
            return DeliveryResult.retry(status, Duration.ZERO, "HTTP " + status);
        }
        return new DeliveryResult(DeliveryResult.Outcome.REJECTED, Duration.ZERO, status, "HTTP " + status);
    }

    private static Optional<Long> remaining(HttpResponse<String> response) {
        return response.headers().firstValue("X-RateLimit-Remaining").flatMap(value -> {
            try {
                return Optional.of(Long.parseLong(value.trim()));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** {@code Retry-After} as seconds or as an HTTP-date (RFC 9110), capped at 10 minutes. */
    private static Optional<Duration> retryAfter(HttpResponse<String> response) {
        return seconds(response, "Retry-After")
                .or(() -> response.headers().firstValue("Retry-After").flatMap(value -> {
                    try {
                        Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)
                                .toInstant();
                        Duration wait = Duration.between(Instant.now(), at);
                        return Optional.of(wait.isNegative() ? Duration.ZERO : min(wait, Duration.ofMinutes(10)));
                    } catch (DateTimeParseException e) {
                        return Optional.empty();
                    }
                }));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** A header holding seconds, possibly fractional, capped at 10 minutes. */
    private static Optional<Duration> seconds(HttpResponse<String> response, String header) {
        return response.headers().firstValue(header).flatMap(value -> {
            try {
                double seconds = Double.parseDouble(value.trim());
                if (!(seconds >= 0)) {
                    return Optional.empty();
                }
                return Optional.of(Duration.ofMillis((long) (Math.min(seconds, 600) * 1000)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    private static Duration positive(String what, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("Channel " + what + " must be positive, was " + value);
        }
        return value;
    }

    @Override
    public String toString() {
        return "HttpChannel[" + name + "]"; // never the address
    }
}
