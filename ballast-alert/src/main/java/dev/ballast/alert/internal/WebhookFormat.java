package dev.ballast.alert.internal;

import dev.ballast.alert.Message;
import java.net.http.HttpRequest;

/** Turns a message into one HTTP request body for a kind of receiver. Thread-safe. */
interface WebhookFormat {

    /** The JSON body. */
    byte[] body(Message message);

    /** Adds headers to the request, e.g. a signature over {@code body}. */
    default void headers(HttpRequest.Builder request, byte[] body) {}
}
