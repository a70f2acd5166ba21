package dev.ballast.bench.outbox;

import dev.ballast.outbox.OutboxEvent;
import java.nio.charset.StandardCharsets;

/**
 * The delivery benchmarks' event number {@code n}: the same order JSON for every peer, over 1,000 aggregates, and the
 * number read back from a consumed payload.
 */
final class DeliveryEvents {

    private DeliveryEvents() {}

    static OutboxEvent event(long n) {
        return OutboxEvent.of(
                "r-" + n, "Order", "O-" + (n % 1000), "OrderPlaced", json(n).getBytes(StandardCharsets.UTF_8));
    }

    static String json(long n) {
        return "{\"n\":" + n + ",\"accountId\":\"A-" + (n % 1000)
                + "\",\"symbol\":\"005930\",\"side\":\"BUY\",\"quantity\":10,\"price\":\"71200.00\"}";
    }

    /** The event number {@code n} from a payload starting {@code {"n":<n>,}}. */
    static long number(byte[] payload) {
        String text = new String(payload, StandardCharsets.UTF_8);
        int from = text.indexOf("\"n\":") + 4;
        int to = from;
        while (to < text.length() && Character.isDigit(text.charAt(to))) {
            to++;
        }
        return Long.parseLong(text.substring(from, to));
    }
}
