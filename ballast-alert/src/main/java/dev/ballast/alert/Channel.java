package dev.ballast.alert;

import dev.ballast.alert.internal.DiscordFormat;
import dev.ballast.alert.internal.HttpChannel;
import dev.ballast.alert.internal.JsonLinesFile;
import dev.ballast.alert.internal.LogChannel;
import dev.ballast.alert.internal.SignedWebhookFormat;
import dev.ballast.alert.internal.SlackFormat;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Somewhere messages go. The router calls {@link #deliver} from the channel's own worker thread, one message at a
 * time, and handles queueing, rate limits, retries and the breaker; an implementation only makes one attempt.
 * Implementations must be safe to call from that one thread; the built-in ones are thread-safe.
 *
 * <p>A channel given to the router is the router's: {@link AlertRouter#close()} closes it once its worker has stopped.
 */
public interface Channel extends AutoCloseable {

    /** The channel's name in routes, logs and metrics. */
    String name();

    /** What kind of channel this is. */
    Kind kind();

    /** Makes one attempt to deliver {@code message}; never throws for a failed delivery. */
    DeliveryResult deliver(Message message);

    /**
     * Releases what the channel holds (the HTTP channels' client); by default nothing. Called by the router's close
     * after the channel's worker stopped; delivering after it is refused or reopens what it needs, as the channel says.
     * Never throws a checked exception; may be called more than once.
     */
    @Override
    default void close() {}

    /** Kinds of channel; the default routes send CRITICAL to every {@link #CHAT} channel. */
    enum Kind {
        /** A chat or paging receiver over HTTP. */
        CHAT,
        /** The JSON-lines file: the fallback of every other channel. */
        FILE,
        /** The application log. */
        LOG
    }

    /**
     * A Discord webhook: one embed per message with action buttons ({@code ?with_components=true}) and markdown links
     * as a fallback. {@code webhook} is a secret: it never appears in logs, errors or metrics.
     */
    static Channel discord(String name, URI webhook, Duration connectTimeout, Duration readTimeout) {
        URI withComponents = URI.create(webhook + (webhook.getRawQuery() == null ? "?" : "&") + "with_components=true");
        return new HttpChannel(name, withComponents, connectTimeout, readTimeout, new DiscordFormat());
    }

    /** A Slack incoming webhook with Block Kit messages. {@code webhook} is a secret. */
    static Channel slack(String name, URI webhook, Duration connectTimeout, Duration readTimeout) {
        return new HttpChannel(name, webhook, connectTimeout, readTimeout, new SlackFormat());
    }

    /**
     * A generic JSON webhook signed with HMAC-SHA256 over {@code timestamp + "." + body} ({@code X-Ballast-Signature:
     * sha256=<hex>}, {@code X-Ballast-Timestamp: <epoch seconds>}); see {@code docs/alerting.md} for the JSON. {@code
     * url} and {@code secret} are secrets.
     */
    static Channel webhook(String name, URI url, byte[] secret, Duration connectTimeout, Duration readTimeout) {
        return new HttpChannel(name, url, connectTimeout, readTimeout, new SignedWebhookFormat(secret));
    }

    /** JSON lines appended to {@code file} and fsynced, rotated to {@code file.1} … {@code file.<keep>} at {@code maxBytes}. */
    static Channel file(String name, Path file, long maxBytes, int keep) {
        return new JsonLinesFile(name, file, maxBytes, keep);
    }

    /** The application log (logger {@code ballast.alert}). */
    static Channel log(String name) {
        return new LogChannel(name);
    }
}
