package dev.ballast.lock.resilient;

import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.internal.LeaseLockStrategy;
import dev.ballast.lock.internal.RedisFailures;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the primary whether it answers: one throw-away acquisition per server of the primary (one key per Redis Cluster
 * primary, from the client's slot map as it is now: {@link LeaseLockStrategy#probeKeys}), so a shard that is down
 * cannot hide behind one that is up.
 *
 * <p>Concurrency: stateless apart from its final fields and the last failure (volatile); called from the probe clock's
 * thread and, once, from the thread that starts the strategy.
 */
final class PrimaryProbe {

    private static final Logger log = LoggerFactory.getLogger(ResilientLockStrategy.class);
    private static final Duration PROBE_LEASE = Duration.ofMillis(100);

    private final LockStrategy primary;
    private final String probeBase;
    private volatile @Nullable Throwable lastFailure;

    PrimaryProbe(LockStrategy primary, String instance) {
        this.primary = primary;
        this.probeBase = "ballast:probe:" + instance;
    }

    /**
     * True if every server answered (granted, or busy with an earlier probe's lease); stops at the first that does not.
     */
    @SuppressWarnings("try") // the handle is acquired only to be released
    boolean allAnswer() {
        List<String> keys =
                primary instanceof LeaseLockStrategy inner ? inner.probeKeys(probeBase) : List.of(probeBase);
        for (String key : keys) {
            try (LockHandle ignored = primary instanceof LeaseLockStrategy inner
                    ? inner.tryAcquireUnobserved(key, Duration.ZERO, PROBE_LEASE) // not a wait callers made
                    : primary.tryAcquire(key, Duration.ZERO, PROBE_LEASE)) {
                // answered
            } catch (LockAcquisitionException busy) {
                // answered: an earlier probe's lease is still there
            } catch (RuntimeException e) {
                log.debug("Probe of {} on '{}' failed: {}", primary.backend(), key, e.toString());
                lastFailure = e;
                return false;
            }
        }
        return true;
    }

    /**
     * The server's own words when the last failed probe was a refusal of the client's credentials ({@code WRONGPASS
     * ...}, {@code NOAUTH ...}), found in the failure's cause chain; null otherwise. A driver reports such a refusal as
     * "unable to connect", which sends an operator looking for a network fault. The answer never holds the password.
     */
    @Nullable
    String credentialsRefusal() {
        return RedisFailures.credentialsRefusal(lastFailure);
    }
}
