package dev.ballast.lock;

import dev.ballast.core.KeyRejectedException;
import java.time.Duration;

/** Validation of lock keys and times, shared by every backend. */
public final class LockKeys {

    /** Longest key accepted. */
    public static final int MAX_LENGTH = 255;

    private LockKeys() {}

    /**
     * Returns {@code key} if it is a valid lock key; throws {@link KeyRejectedException} saying which limit it breaks
     * (empty, longer than {@value #MAX_LENGTH}, a control character), or {@link IllegalArgumentException} when null.
     */
    public static String requireValid(String key) {
        if (key == null) {
            throw new IllegalArgumentException("Lock key must not be null");
        }
        if (key.isEmpty() || key.length() > MAX_LENGTH) {
            throw new KeyRejectedException("Lock key must be 1 to " + MAX_LENGTH + " characters, was " + key.length());
        }
        for (int i = 0; i < key.length(); i++) {
            if (Character.isISOControl(key.charAt(i))) {
                throw new KeyRejectedException("Lock key must not contain control characters (index " + i + ")");
            }
        }
        return key;
    }

    /** Checks a wait time: zero (try once) or positive. */
    public static Duration requireWait(Duration waitTime) {
        if (waitTime == null || waitTime.isNegative()) {
            throw new IllegalArgumentException("Lock wait time must be zero or positive, was " + waitTime);
        }
        return waitTime;
    }

    /** Checks a lease time: at least 100 ms, so renewal has room to work. */
    public static Duration requireLease(Duration leaseTime) {
        if (leaseTime == null || leaseTime.toMillis() < 100) {
            throw new IllegalArgumentException("Lock lease time must be at least 100 ms, was " + leaseTime);
        }
        return leaseTime;
    }
}
