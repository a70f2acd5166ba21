package dev.ballast.lock.resilient;

import dev.ballast.lock.LockClock;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the primary has been quiet long enough, across all instances, for locks to return to it. A failure this
 * instance sees restarts the period and is written into the authority's row (at the next refresh, or at once for a
 * probe); a reading of the row whose failure marker moved (another instance recorded one) restarts it too. Time is the
 * strategy's clock, so the period is measured here, never by comparing clocks of two machines.
 *
 * <p>Concurrency: {@link #failureSeen} from any thread (callers, the probe); {@link #markerRead} only under the keeper's
 * view lock; {@link #record} from the refresh and probe threads (the flag hand-off makes each failure written at least
 * once); the start of the period is volatile.
 */
final class QuietPeriod {

    private static final Logger log = LoggerFactory.getLogger(ResilientLockStrategy.class);

    private final ModeAuthority authority;
    private final String backend;
    private final LockClock clock;
    private final long quietNanos;
    private final AtomicBoolean toRecord = new AtomicBoolean();
    /** The row's failure marker as this instance last read it; guarded by the keeper's view lock. */
    private long seenMarkerMicros = Long.MIN_VALUE;

    private volatile long sinceNanos;

    QuietPeriod(ModeAuthority authority, String backend, LockClock clock, long quietNanos) {
        this.authority = authority;
        this.backend = backend;
        this.clock = clock;
        this.quietNanos = quietNanos;
        this.sinceNanos = clock.nanoTime();
    }

    /** The primary failed here: the period starts again, and the failure is to be recorded. */
    void failureSeen() {
        sinceNanos = clock.nanoTime();
        toRecord.set(true);
    }

    /** A reading of the row: if another instance recorded a failure since the last one, the period starts again. */
    void markerRead(long primaryFailedAtMicros) {
        if (primaryFailedAtMicros != seenMarkerMicros) {
            if (seenMarkerMicros != Long.MIN_VALUE) {
                sinceNanos = clock.nanoTime();
            }
            seenMarkerMicros = primaryFailedAtMicros;
        }
    }

    /**
     * Writes a failure seen since the last recording into the authority's row; kept for the next try if it fails.
     *
     * @return the error, or null when there was nothing to write or it was written
     */
    @Nullable
    Exception record() {
        if (!toRecord.getAndSet(false)) {
            return null;
        }
        try {
            authority.recordFailure();
            return null;
        } catch (SQLException | RuntimeException e) {
            toRecord.set(true);
            log.debug("Could not record a failure of {}: {}", backend, e.toString());
            return e;
        }
    }

    /** True once no failure was seen or read for the whole period. */
    boolean over(long nowNanos) {
        return nowNanos - sinceNanos >= quietNanos;
    }
}
