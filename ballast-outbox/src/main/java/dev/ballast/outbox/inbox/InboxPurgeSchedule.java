package dev.ballast.outbox.inbox;

import dev.ballast.outbox.internal.BatchFailures;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link Inbox#purgeExpired()} of some inboxes every {@code interval} on a daemon thread of its own ({@code
 * ballast-inbox-purge}), the first run at once, until {@link #close()}. A purge that fails (the database unreachable,
 * the table missing) is tried again at the next run: logged at WARN once, then every 5 minutes with the count while it
 * keeps failing, and at INFO when it works again (that pacing on the clock given to {@link #start(List, Duration,
 * InstantSource)}, the system clock by default); it never stops the schedule. The Spring Boot starter starts one for
 * its inbox beans ({@code ballast.outbox.inbox.purge-interval}). Thread-safe.
 */
public final class InboxPurgeSchedule implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InboxPurgeSchedule.class);
    /** Shortest interval: a purge is a few statements, not something to run in a loop. */
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(1);
    /** Longest interval: rows wait at most this long past their retention. */
    public static final Duration MAX_INTERVAL = Duration.ofDays(1);

    private final List<Inbox> inboxes;
    private final List<BatchFailures> failures;
    private final ScheduledExecutorService executor;

    private InboxPurgeSchedule(List<Inbox> inboxes, Duration interval, InstantSource clock) {
        this.inboxes = List.copyOf(inboxes);
        this.failures = this.inboxes.stream()
                .map(inbox -> new BatchFailures(
                        log,
                        "Inbox purge of consumer " + inbox.consumer(),
                        clock,
                        interval,
                        interval,
                        Duration.ofMinutes(5)))
                .toList();
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ballast-inbox-purge");
            thread.setDaemon(true);
            return thread;
        });
        var unused = executor.scheduleWithFixedDelay(this::runOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Starts purging {@code inboxes} every {@code interval} (1 s to 1 day).
     *
     * @throws IllegalArgumentException if the interval is out of range
     */
    public static InboxPurgeSchedule start(List<Inbox> inboxes, Duration interval) {
        return start(inboxes, interval, InstantSource.system());
    }

    /**
     * As {@link #start(List, Duration)}, with the time that paces the failure log lines (the reminder every 5 minutes,
     * the duration in the recovery line) read from {@code clock}: the system clock in production, a controllable one in
     * tests. The runs themselves are spaced by the scheduler's own timer.
     *
     * @throws IllegalArgumentException if the interval is out of range
     */
    public static InboxPurgeSchedule start(List<Inbox> inboxes, Duration interval, InstantSource clock) {
        Objects.requireNonNull(clock, "clock");
        if (interval == null || interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("Inbox purge interval must be 1s to 1d, was " + interval);
        }
        return new InboxPurgeSchedule(inboxes, interval, clock);
    }

    /** One purge of every inbox; what fails is logged and tried again next time. */
    void runOnce() {
        for (int i = 0; i < inboxes.size(); i++) {
            Inbox inbox = inboxes.get(i);
            try {
                int purged = inbox.purgeExpired();
                failures.get(i).succeeded();
                if (purged > 0) {
                    log.debug(
                            "Inbox purge of consumer {}: {} row(s) past the retention deleted",
                            inbox.consumer(),
                            purged);
                }
            } catch (SQLException | RuntimeException e) {
                failures.get(i).failed(e);
            }
        }
    }

    /** Stops the schedule: no run starts after this; waits up to 5 s for a running one (its thread interrupted). */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Inbox purge still running 5 s after close; left to finish on its daemon thread");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
