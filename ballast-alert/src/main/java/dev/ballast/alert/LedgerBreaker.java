package dev.ballast.alert;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bound and breaker of {@link JdbcDedupLedger}'s database calls. Each call runs on one worker thread and the
 * caller waits at most {@code timeout}; a call that fails or takes longer opens the breaker for {@code coolDown} (on
 * the router's clock, the {@code now} the caller passes), after which one call probes; while an abandoned call is
 * still running no other is started, and the breaker stays open another cool-down. One per ledger; thread-safe: any
 * router thread may call {@link #available} and {@link #call}, the state is guarded by {@code this}.
 */
final class LedgerBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcDedupLedger.class); // the public type users configure

    /** A database call of the ledger. */
    interface DatabaseCall<T> {
        T call() throws SQLException;
    }

    private final String table;
    private final Duration timeout;
    private final Duration coolDown;
    private final ThreadPoolExecutor worker =
            new ThreadPoolExecutor(0, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> Thread.ofPlatform()
                    .daemon()
                    .name("ballast-alert-ledger")
                    .unstarted(task));
    private final AtomicInteger running = new AtomicInteger();
    private @Nullable Instant openUntil; // guarded by this

    /** A closed breaker for the ledger in {@code table} (named in its log lines). */
    LedgerBreaker(String table, Duration timeout, Duration coolDown) {
        this.table = table;
        this.timeout = timeout;
        this.coolDown = coolDown;
    }

    /** Whether the ledger is to be consulted at {@code now}: closed, or open with its cool-down over (a probe). */
    synchronized boolean available(Instant now) {
        if (openUntil == null) {
            return true;
        }
        if (now.isBefore(openUntil)) {
            return false;
        }
        if (running.get() > 0) {
            openUntil = now.plus(coolDown); // the abandoned call still hangs: no second one behind it
            return false;
        }
        return true;
    }

    /** Runs {@code call} on the worker, waiting at most the timeout; null (and the breaker open) when it fails. */
    <T> @Nullable T call(Instant now, DatabaseCall<T> call) {
        Callable<T> task = () -> {
            try {
                return call.call();
            } finally {
                running.decrementAndGet();
            }
        };
        running.incrementAndGet();
        Future<T> future = worker.submit(task);
        try {
            T result = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            close();
            return result;
        } catch (TimeoutException e) {
            future.cancel(true);
            open(now, "no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            open(now, String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
        }
        return null;
    }

    /** Whether no call is running, an abandoned one included. */
    boolean idle() {
        return running.get() == 0;
    }

    private synchronized void open(Instant now, String reason) {
        boolean wasClosed = openUntil == null;
        openUntil = now.plus(coolDown);
        if (wasClosed) {
            LOG.warn(
                    "Alert dedup ledger {} unavailable ({}): local dedup only for {}, alerts are still sent",
                    table,
                    reason,
                    coolDown);
        }
    }

    private synchronized void close() {
        if (openUntil != null) {
            openUntil = null;
            LOG.info("Alert dedup ledger {} answers again", table);
        }
    }
}
