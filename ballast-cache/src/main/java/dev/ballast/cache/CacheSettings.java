package dev.ballast.cache;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Per-cache settings; immutable. Build with {@link #builder(String)}: every setter checks its value at once and names
 * the bad value.
 *
 * @param name cache name: letters, digits, {@code ._-}, 1 to 64 characters; part of every L2 key
 * @param version key-namespace version: bump it when the value's shape changes, and old entries are never read
 * @param l1MaximumSize most entries in L1
 * @param l1Ttl how long an entry lives in L1
 * @param l2Ttl how long an entry lives in L2, before jitter
 * @param ttlJitter fraction (0 to 0.5) by which L2 TTLs are randomly shortened, so keys written together do not expire
 *     together
 * @param negativeTtl how long "no value" answers of the loader are remembered (zero: not at all)
 * @param maxValueBytes largest encoded value accepted; larger ones are rejected on put and never written
 * @param loadWait how long a caller waits for another caller's load of the same key
 * @param onLoadWaitTimeout what a waiter does when {@code loadWait} passes (after serving a stale L2 value if there
 *     is one)
 * @param staleTtl how long an L2 value is kept after it expires, to be served to callers whose wait for another
 *     instance's load runs out (zero: never served stale)
 * @param loadLease how long an instance's claim to load a key lasts in Redis; renewed while the load runs, so it only
 *     runs out when the loading instance dies or hangs, and another instance then takes over
 * @param earlyRefreshBeta XFetch's beta: how eagerly a value is refreshed in the background before it expires (1 is
 *     the paper's choice, larger is earlier, 0 turns early refresh off)
 * @param l2Timeout how long one Redis command may take before it counts as a failure
 */
public record CacheSettings(
        String name,
        int version,
        long l1MaximumSize,
        Duration l1Ttl,
        Duration l2Ttl,
        double ttlJitter,
        Duration negativeTtl,
        int maxValueBytes,
        Duration loadWait,
        WaitTimeoutPolicy onLoadWaitTimeout,
        Duration staleTtl,
        Duration loadLease,
        double earlyRefreshBeta,
        Duration l2Timeout) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** What a caller waiting for another caller's load does when its wait runs out. */
    public enum WaitTimeoutPolicy {
        /** Run the loader itself. */
        LOAD_YOURSELF,
        /** Throw {@link CacheLoadTimeoutException}. */
        FAIL
    }

    /** Validates every field. */
    public CacheSettings {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "Cache name must be 1 to 64 letters, digits, '.', '_' or '-', was '" + name + "'");
        }
        requireAtLeast("version", version, 1);
        requireAtLeast("l1MaximumSize", l1MaximumSize, 1);
        requirePositive("l1Ttl", l1Ttl);
        requirePositive("l2Ttl", l2Ttl);
        requireJitter(ttlJitter);
        requireZeroOrPositive("negativeTtl", negativeTtl);
        requireAtLeast("maxValueBytes", maxValueBytes, 16);
        requirePositive("loadWait", loadWait);
        Objects.requireNonNull(onLoadWaitTimeout, "onLoadWaitTimeout");
        requireZeroOrPositive("staleTtl", staleTtl);
        requireAtLeast("loadLease", loadLease, Duration.ofMillis(100));
        requireBeta(earlyRefreshBeta);
        requireAtLeast("l2Timeout", l2Timeout, Duration.ofMillis(10));
    }

    /**
     * Defaults: version 1, 10,000 L1 entries, L1 TTL 1 min, L2 TTL 10 min, jitter 0.1, negative TTL 30 s, 512 KiB,
     * load wait 5 s then load yourself, stale values kept 1 min, load lease 5 s, early-refresh beta 1, L2 timeout 250
     * ms.
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    private static void requireAtLeast(String what, long value, long minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException(what + " must be at least " + minimum + ", was " + value);
        }
    }

    private static void requireAtLeast(String what, Duration value, Duration minimum) {
        if (value == null || value.compareTo(minimum) < 0) {
            throw new IllegalArgumentException(what + " must be at least " + minimum + ", was " + value);
        }
    }

    private static void requireZeroOrPositive(String what, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(what + " must be zero or positive, was " + value);
        }
    }

    private static void requireJitter(double jitter) {
        if (!(jitter >= 0 && jitter <= 0.5)) {
            throw new IllegalArgumentException("ttlJitter must be between 0 and 0.5, was " + jitter);
        }
    }

    private static void requireBeta(double beta) {
        if (!(beta >= 0 && beta <= 100)) {
            throw new IllegalArgumentException("earlyRefreshBeta must be between 0 and 100, was " + beta);
        }
    }

    private static void requirePositive(String what, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + value);
        }
    }

    /** Builds {@link CacheSettings}; not thread-safe. */
    public static final class Builder {
        private final String name;
        private int version = 1;
        private long l1MaximumSize = 10_000;
        private Duration l1Ttl = Duration.ofMinutes(1);
        private Duration l2Ttl = Duration.ofMinutes(10);
        private double ttlJitter = 0.1;
        private Duration negativeTtl = Duration.ofSeconds(30);
        private int maxValueBytes = 512 * 1024;
        private Duration loadWait = Duration.ofSeconds(5);
        private WaitTimeoutPolicy onLoadWaitTimeout = WaitTimeoutPolicy.LOAD_YOURSELF;
        private Duration staleTtl = Duration.ofMinutes(1);
        private Duration loadLease = Duration.ofSeconds(5);
        private double earlyRefreshBeta = 1.0;
        private Duration l2Timeout = Duration.ofMillis(250);

        private Builder(String name) {
            this.name = name;
        }

        public Builder version(int version) {
            requireAtLeast("version", version, 1);
            this.version = version;
            return this;
        }

        public Builder l1MaximumSize(long size) {
            requireAtLeast("l1MaximumSize", size, 1);
            this.l1MaximumSize = size;
            return this;
        }

        public Builder l1Ttl(Duration ttl) {
            requirePositive("l1Ttl", ttl);
            this.l1Ttl = ttl;
            return this;
        }

        public Builder l2Ttl(Duration ttl) {
            requirePositive("l2Ttl", ttl);
            this.l2Ttl = ttl;
            return this;
        }

        public Builder ttlJitter(double jitter) {
            requireJitter(jitter);
            this.ttlJitter = jitter;
            return this;
        }

        public Builder negativeTtl(Duration ttl) {
            requireZeroOrPositive("negativeTtl", ttl);
            this.negativeTtl = ttl;
            return this;
        }

        public Builder maxValueBytes(int bytes) {
            requireAtLeast("maxValueBytes", bytes, 16);
            this.maxValueBytes = bytes;
            return this;
        }

        public Builder loadWait(Duration wait, WaitTimeoutPolicy onTimeout) {
            requirePositive("loadWait", wait);
            this.loadWait = wait;
            this.onLoadWaitTimeout = Objects.requireNonNull(onTimeout, "onTimeout");
            return this;
        }

        public Builder staleTtl(Duration ttl) {
            requireZeroOrPositive("staleTtl", ttl);
            this.staleTtl = ttl;
            return this;
        }

        public Builder loadLease(Duration lease) {
            requireAtLeast("loadLease", lease, Duration.ofMillis(100));
            this.loadLease = lease;
            return this;
        }

        public Builder earlyRefreshBeta(double beta) {
            requireBeta(beta);
            this.earlyRefreshBeta = beta;
            return this;
        }

        public Builder l2Timeout(Duration timeout) {
            requireAtLeast("l2Timeout", timeout, Duration.ofMillis(10));
            this.l2Timeout = timeout;
            return this;
        }

        public CacheSettings build() {
            return new CacheSettings(
                    name,
                    version,
                    l1MaximumSize,
                    l1Ttl,
                    l2Ttl,
                    ttlJitter,
                    negativeTtl,
                    maxValueBytes,
                    loadWait,
                    onLoadWaitTimeout,
                    staleTtl,
                    loadLease,
                    earlyRefreshBeta,
                    l2Timeout);
        }
    }
}
