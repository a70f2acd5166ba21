package dev.ballast.lock.internal;

import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What a Redis connection failure says, read from its cause chain (ten deep): a refusal of the client's credentials in
 * the server's own words, or a connection closed during Lettuce's handshake. Internal.
 */
public final class RedisFailures {

    private static final int MAX_REFUSAL = 200;

    private RedisFailures() {}

    /**
     * The server's words when {@code failure} is a refusal of the client's credentials ({@code WRONGPASS ...}, {@code
     * NOAUTH ...}), at most 200 characters; null otherwise. Never holds the password: Redis does not repeat it.
     */
    public static @Nullable String credentialsRefusal(@Nullable Throwable failure) {
        String message = causeMessage(
                failure,
                m -> m.startsWith("WRONGPASS")
                        || m.startsWith("NOAUTH")
                        || m.startsWith("ERR AUTH")
                        || m.contains("invalid username-password pair"));
        return message == null || message.length() <= MAX_REFUSAL ? message : message.substring(0, MAX_REFUSAL);
    }

    /**
     * Whether the server hung up after the connection was made (closed, reset, a broken pipe, or Lettuce's "Connection
     * closed prematurely") without Redis's words: not refused, not an unknown host, not a timeout, not a credentials
     * refusal already named. Lettuce closes the channel itself when the server refuses the handshake (WRONGPASS,
     * NOAUTH) and, when its close wins the race with the refusal, reports only that it closed, losing the server's
     * words; a server that hung up once (a restart, a proxy) is also usually there the next time. Worth trying again.
     */
    public static boolean closedDuringHandshake(@Nullable Throwable failure) {
        if (failure == null || credentialsRefusal(failure) != null) {
            return false;
        }
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 10; depth++) {
            if (current instanceof java.net.ConnectException
                    || current instanceof java.net.UnknownHostException
                    || current instanceof java.util.concurrent.TimeoutException
                    || current instanceof io.lettuce.core.RedisCommandTimeoutException) {
                return false;
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        return true;
    }

    private static @Nullable String causeMessage(@Nullable Throwable failure, Predicate<String> matches) {
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 10; depth++) {
            String message = current.getMessage();
            if (message != null && matches.test(message)) {
                return message;
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        return null;
    }
}
