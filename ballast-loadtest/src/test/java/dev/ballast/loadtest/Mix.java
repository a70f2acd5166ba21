package dev.ballast.loadtest;

import io.gatling.javaapi.core.Session;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What each request of the mix carries: Zipf-distributed symbols and accounts, order bodies derived from their
 * Idempotency-Key (so a repeat sends exactly the first body, as a client retry does), the deliberate repeats and
 * invalid orders. Thread-safe: Gatling calls it from its event loops.
 */
final class Mix {

    static final String[] SYMBOLS = {"005930", "AAPL", "000660", "MSFT", "035420"};
    static final int ACCOUNTS = 100;

    /** Makes this run's Idempotency-Keys unique against every earlier run on the same database. */
    private final String run = Long.toString(System.currentTimeMillis(), 36);

    private final Zipf symbols;
    private final Zipf accounts;
    private final AtomicLong next = new AtomicLong();
    private final Map<String, String> placed = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> repeatable = new ConcurrentLinkedQueue<>();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong repeated = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();

    Mix() {
        this.symbols = new Zipf(SYMBOLS.length, 1.0);
        this.accounts = new Zipf(ACCOUNTS, 1.0);
    }

    String symbol() {
        return SYMBOLS[symbols.sample(random())];
    }

    String account() {
        return "A-" + (accounts.sample(random()) + 1);
    }

    /** The attributes of one order: a new key (97.5 %), a repeat of a placed one (2 %) or an invalid body (0.5 %). */
    Map<String, Object> order() {
        SplittableRandom random = random();
        double dice = random.nextDouble();
        Map<String, Object> attributes = new HashMap<>();
        String repeatKey = dice < 0.02 ? repeatable.poll() : null;
        if (repeatKey != null) {
            attributes.put("key", repeatKey);
            attributes.put("body", body(repeatKey, false));
            attributes.put("expectStatus", 200);
            attributes.put("expectOrderId", placed.get(repeatKey));
            attributes.put("repeat", true);
            attributes.put("invalid", false);
            repeated.incrementAndGet();
            return attributes;
        }
        boolean bad = dice >= 0.02 && dice < 0.025;
        String key = "load-" + run + "-" + next.incrementAndGet();
        attributes.put("key", key);
        attributes.put("body", body(key, bad));
        attributes.put("expectStatus", bad ? 400 : 201);
        attributes.put("expectOrderId", "");
        attributes.put("repeat", false);
        attributes.put("invalid", bad);
        if (bad) {
            invalid.incrementAndGet();
        }
        return attributes;
    }

    /** Remembers a new order's id so that a later repeat of its key can expect it. */
    Session recordOrder(Session session) {
        if (!session.isFailed() && session.getInt("expectStatus") == 201 && session.contains("orderId")) {
            String key = session.getString("key");
            placed.put(key, session.getString("orderId"));
            repeatable.add(key);
            created.incrementAndGet();
        }
        return session.removeAll("orderId", "key", "body", "expectStatus", "expectOrderId", "repeat", "invalid");
    }

    String summary() {
        return created.get() + " created, " + repeated.get() + " repeated, " + invalid.get() + " invalid";
    }

    String summaryJson() {
        return "\"ordersCreated\":" + created.get() + ",\"ordersRepeated\":" + repeated.get() + ",\"ordersInvalid\":"
                + invalid.get();
    }

    private String body(String key, boolean invalidQuantity) {
        SplittableRandom derived = new SplittableRandom(key.hashCode() * 0x9E3779B97F4A7C15L);
        String account = "A-" + (derived.nextInt(ACCOUNTS) + 1);
        String symbol = SYMBOLS[derived.nextInt(SYMBOLS.length)];
        String side = derived.nextBoolean() ? "BUY" : "SELL";
        int quantity = invalidQuantity ? 0 : derived.nextInt(1, 500);
        String price = (derived.nextInt(1_000, 900_000) / 100) + "." + String.format("%02d", derived.nextInt(100));
        return "{\"accountId\":\"" + account + "\",\"symbol\":\"" + symbol + "\",\"side\":\"" + side
                + "\",\"quantity\":" + quantity + ",\"price\":\"" + price + "\"}";
    }

    private static SplittableRandom random() {
        return RANDOM.get();
    }

    private static final ThreadLocal<SplittableRandom> RANDOM = ThreadLocal.withInitial(
            () -> new SplittableRandom(Thread.currentThread().threadId() * 7919L + 17));

    /** Zipf over {@code 0..n-1} with exponent {@code s}, by inverting its cumulative distribution. */
    static final class Zipf {
        private final double[] cumulative;

        Zipf(int n, double s) {
            cumulative = new double[n];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += 1.0 / Math.pow(i + 1, s);
                cumulative[i] = sum;
            }
            for (int i = 0; i < n; i++) {
                cumulative[i] /= sum;
            }
        }

        int sample(SplittableRandom random) {
            double u = random.nextDouble();
            int low = 0;
            int high = cumulative.length - 1;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (cumulative[mid] < u) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            return low;
        }
    }
}
