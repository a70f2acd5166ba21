package dev.ballast.outbox.internal;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Relay batches that fail before publishing (the database unreachable, the outbox tables missing): retried with
 * exponential back-off on the relay's clock, from the poll interval doubling up to a cap, and logged once at WARN, then
 * as a reminder with the count at most every {@code reminder} while the same error repeats (a different error is logged
 * at once), and at INFO when a batch works again. Every failed attempt is logged at DEBUG with the next delay.
 * Thread-safe: the relay's worker threads share one back-off.
 */
public final class BatchFailures {

    private final Logger log;
    private final String what;
    private final InstantSource clock;
    private final Duration base;
    private final Duration cap;
    private final Duration reminder;
    private long failures;
    private long firstFailureMillis;
    private long lastFailureMillis;
    /** Whether the last batch failed: read without the lock by {@link #retrySoon}, which every commit calls. */
    private volatile boolean failing;

    private long lastWarnMillis;
    private long failuresAtLastWarn;
    private long retryAtMillis;
    private @Nullable String lastError;

    /**
     * @param log where to log
     * @param what the work, as the subject of the log lines: {@code Outbox relay batch}
     * @param clock the relay's clock
     * @param base the first delay, doubled on each failure in a row
     * @param cap the longest delay
     * @param reminder while the same error repeats, how often it is logged at WARN again
     */
    public BatchFailures(Logger log, String what, InstantSource clock, Duration base, Duration cap, Duration reminder) {
        this.log = log;
        this.what = what;
        this.clock = clock;
        this.base = base;
        this.cap = cap.compareTo(base) < 0 ? base : cap;
        this.reminder = reminder;
    }

    /** Records a failed batch; returns how long to wait, on the relay's clock, before the next one. */
    public Duration failed(Exception error) {
        String signature = error.toString();
        Duration delay;
        boolean warn;
        boolean first;
        long count;
        long since;
        synchronized (this) {
            long now = clock.millis();
            failures++;
            first = failures == 1;
            if (first) {
                firstFailureMillis = now;
            }
            lastFailureMillis = now;
            failing = true;
            delay = delay(failures);
            retryAtMillis = now + delay.toMillis();
            warn = first || !Objects.equals(signature, lastError) || now - lastWarnMillis >= reminder.toMillis();
            count = failures;
            since = failures - failuresAtLastWarn;
            if (warn) {
                lastWarnMillis = now;
                failuresAtLastWarn = failures;
            }
            lastError = signature;
        }
        if (first) {
            log.warn(
                    "{} failed, retrying in {} with back-off up to {} (while it keeps failing, logged again every {}"
                            + " with the count): {}",
                    what,
                    delay,
                    cap,
                    reminder,
                    signature);
        } else if (warn) {
            log.warn(
                    "{} still failing: {} failed attempts in a row ({} since the last warning), next in {}: {}",
                    what,
                    count,
                    since,
                    delay,
                    signature);
        } else {
            log.debug("{} failed ({} in a row), next in {}: {}", what, count, delay, signature);
        }
        return delay;
    }

    /** Records a batch that worked; logs the recovery when batches had been failing. */
    public void succeeded() {
        long count;
        long elapsed;
        synchronized (this) {
            if (failures == 0) {
                return;
            }
            count = failures;
            elapsed = clock.millis() - firstFailureMillis;
            failures = 0;
            failing = false;
            failuresAtLastWarn = 0;
            retryAtMillis = 0;
            lastError = null;
        }
        log.info("{} works again after {} failed attempts over {}", what, count, Duration.ofMillis(elapsed));
    }

    /**
     * The database was just seen working for someone else (an append committed in this service, a notification
     * arrived): the next attempt may run one base delay after the last failure instead of at the end of the back-off,
     * so that work waiting since an outage goes on as soon as the database is back, not up to the cap later. A stream of
     * such signals while the attempts still fail gives at most one attempt per base delay.
     */
    public void retrySoon() {
        if (!failing) {
            return; // the usual case, on every commit: no lock taken
        }
        synchronized (this) {
            if (failures > 0) {
                retryAtMillis = Math.min(retryAtMillis, lastFailureMillis + base.toMillis());
            }
        }
    }

    /** How long, on the relay's clock, until the next batch may run; zero or negative when it may run now. */
    public synchronized long millisUntilRetry() {
        return failures == 0 ? 0 : retryAtMillis - clock.millis();
    }

    /** Failed batches in a row. */
    public synchronized long failures() {
        return failures;
    }

    private Duration delay(long failures) {
        int doublings = (int) Math.min(30, failures - 1);
        long millis = base.toMillis() << doublings;
        return millis <= 0 || millis > cap.toMillis() ? cap : Duration.ofMillis(millis);
    }
}
