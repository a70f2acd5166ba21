package dev.ballast.outbox.internal;

import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.OutboxRelay;
import io.micrometer.core.instrument.Gauge;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an {@link OutboxRelay} runs: its worker threads (each claims, publishes and completes batches through one
 * {@link RelayEngine}), the LISTEN thread on PostgreSQL, the housekeeping schedule, the outage pause and the back-off
 * after failed batches. Logs under {@code OutboxRelay}'s name.
 *
 * <p>Concurrency: {@link #start()} and {@link #close()} are called by the application (synchronized on this object);
 * the workers read {@code running} (volatile) and the shared pause ({@link SharedPause}), wait on one semaphore that
 * wake-ups (commits, LISTEN, resume, close) release, and share the engine, the outage pause and the failure back-off,
 * each thread-safe on its own.
 */
public final class RelayRunner {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    /** Longest wait between batches that fail before publishing (database down, tables missing). */
    static final Duration FAILURE_BACKOFF_CAP = Duration.ofSeconds(30);
    /** While batches keep failing the same way, how often the WARN is repeated (with the count). */
    static final Duration FAILURE_REMINDER = Duration.ofMinutes(5);

    private final OutboxRuntime runtime;
    private final RelayConfig config;
    private final RelayEngine engine;
    private final Housekeeping housekeeping;
    private final BatchFailures failures;
    private final OutagePause outage;
    private final SharedPause pause;
    private final Semaphore wakeups = new Semaphore(0);
    private final List<Thread> threads = new ArrayList<>();
    private @Nullable Thread listener;
    private boolean started;
    /** The housekeeping schedule of the current run: made by {@link #start()}, shut down by {@link #close()}. */
    private @Nullable ScheduledExecutorService chores;

    private volatile boolean running;
    private volatile @Nullable Instant heartbeat;
    private Runnable unregister = () -> {};

    public RelayRunner(OutboxRuntime runtime, OutboxPublisher publisher, RelayConfig config) {
        this.runtime = runtime;
        this.config = config;
        this.engine = new RelayEngine(runtime, publisher, config);
        this.housekeeping = new Housekeeping(
                runtime.dataSource(),
                runtime.tables(),
                config.retention(),
                config.requestRetention(),
                runtime.meters(),
                config.clock());
        this.failures = new BatchFailures(
                log,
                "Outbox relay batch",
                config.clock(),
                config.pollInterval(),
                FAILURE_BACKOFF_CAP,
                FAILURE_REMINDER);
        this.outage = new OutagePause(
                log,
                runtime.alerts(),
                config.clock(),
                config.outagePauseBase(),
                config.outagePauseCap(),
                config.owner());
        this.pause = new SharedPause(
                runtime.dataSource(), runtime.tables(), config.clock(), config.pollInterval(), log, config.owner());
        Gauge.builder("ballast.outbox.relay.paused", pause, shared -> shared.lastRead() ? 1 : 0)
                .description("1 while an operator's pause holds the outbox relays (as this relay last read it)")
                .register(runtime.meters().registry());
    }

    /** One batch on the calling thread; returns the events published or dead-lettered. */
    public int drainOnce() throws SQLException {
        return engine.runOnce().changed();
    }

    /** Batches on the calling thread until one claims nothing (or the broker looks down); returns the events changed. */
    public int drain() throws SQLException {
        int total = 0;
        while (true) {
            RelayEngine.BatchResult result = engine.runOnce();
            total += result.changed();
            if (result.claimed() == 0 || result.outage()) {
                return total;
            }
        }
    }

    public int deletePublished() throws SQLException {
        return housekeeping.deletePublished();
    }

    public int deleteExpiredRequests() throws SQLException {
        return housekeeping.deleteExpiredRequests();
    }

    /** Starts the workers, the LISTEN thread on PostgreSQL and the housekeeping schedule; again after a close. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        started = true;
        for (int i = 0; i < config.threads(); i++) {
            threads.add(Thread.ofPlatform()
                    .daemon()
                    .name("ballast-outbox-relay-" + i)
                    .start(this::work));
        }
        if (config.listen() && NotifyListener.supported(runtime.tables())) {
            int timeout = (int) Math.max(50, config.pollInterval().toMillis());
            listener = Thread.ofPlatform()
                    .daemon()
                    .name("ballast-outbox-listen")
                    .start(new NotifyListener(
                            runtime.dataSource(),
                            runtime.tables(),
                            this::databaseAnswered,
                            this::databaseReconnected,
                            timeout));
        }
        unregister = runtime.wakeups().register(this::databaseAnswered);
        long every = config.housekeepingInterval().toMillis();
        chores = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ballast-outbox-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
        var unused = chores.scheduleWithFixedDelay(housekeeping::run, 0, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Claims nothing new, lets running batches finish up to the shutdown timeout, interrupts what still runs, then
     * releases every lease this relay holds.
     */
    public synchronized void close() {
        running = false;
        unregister.run();
        if (chores != null) {
            chores.shutdownNow();
            chores = null;
        }
        if (listener != null) {
            listener.interrupt();
        }
        wakeups.release(config.threads()); // idle workers wake, see running == false and return
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        boolean interrupted = false;
        for (Thread thread : threads) {
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    thread.join(Duration.ofNanos(left));
                }
                if (thread.isAlive()) {
                    log.warn(
                            "Outbox relay {}: a batch still running {} after close; interrupting it",
                            config.owner(),
                            config.shutdownTimeout());
                    thread.interrupt();
                    thread.join(Duration.ofSeconds(1));
                }
            } catch (InterruptedException e) {
                interrupted = true;
                thread.interrupt();
            }
        }
        threads.clear();
        if (listener != null) {
            try {
                listener.join(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                interrupted = true;
            }
            listener = null;
        }
        if (started) {
            releaseLeases();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void releaseLeases() {
        try {
            int released = RelayLeases.release(runtime.dataSource(), runtime.tables(), config.owner());
            if (released > 0) {
                log.info("Outbox relay {} released {} aggregate lease(s) on close", config.owner(), released);
            }
        } catch (SQLException | RuntimeException e) {
            log.warn(
                    "Outbox relay {} could not release its leases on close; other relays take its aggregates when"
                            + " the leases run out ({}): {}",
                    config.owner(),
                    config.lease(),
                    e.toString());
        }
    }

    /**
     * Pauses every relay on these tables (this instance's at once, the others within their poll interval); returns
     * whether they were running unpaused.
     */
    public boolean pause(String by) throws SQLException {
        return pause.set(true, by);
    }

    /** Resumes every relay on these tables; returns whether they were paused. */
    public boolean resume(String by) throws SQLException {
        boolean was = pause.set(false, by);
        wakeAll();
        return was;
    }

    public boolean isPaused() {
        return pause.paused();
    }

    public SharedPause.State pauseState() {
        return pause.current();
    }

    public boolean isRunning() {
        return running;
    }

    public Optional<Instant> lastHeartbeat() {
        return Optional.ofNullable(heartbeat);
    }

    public Optional<Instant> outagePauseEnd() {
        return outage.end();
    }

    /**
     * A commit in this service or a notification from the database: there is work, and the database works, so a relay
     * backing off after failed batches tries again soon ({@link BatchFailures#retrySoon}), as do idle workers.
     */
    private void databaseAnswered() {
        failures.retrySoon();
        wakeAll();
    }

    /**
     * The LISTEN connection works again after it was lost: the server may have gone away, so the engine looks for
     * leases a lost commit left ({@link RelayEngine#reconnected}), and the workers go on.
     */
    private void databaseReconnected() {
        engine.reconnected();
        databaseAnswered();
    }

    private void wakeAll() {
        if (wakeups.availablePermits() < config.threads()) {
            wakeups.release(config.threads());
        }
    }

    private void work() {
        long poll = config.pollInterval().toMillis();
        while (running && !Thread.currentThread().isInterrupted()) {
            try {
                if (pause.paused()) {
                    wakeups.tryAcquire(config.pollInterval().toNanos(), TimeUnit.NANOSECONDS);
                    continue;
                }
                long pause = outage.remainingMillis();
                boolean probe = false;
                if (pause > 0) { // on the relay's clock; looked at again every poll interval
                    long untilProbe = outage.untilProbeMillis();
                    if (untilProbe > 0 || !outage.takeProbe()) {
                        TimeUnit.MILLISECONDS.sleep(Math.max(1, Math.min(Math.min(pause, poll), untilProbe)));
                        continue;
                    }
                    probe = true; // one event, every base pause: the pause ends as soon as the broker takes it
                }
                long retry = failures.millisUntilRetry();
                if (retry > 0) { // backing off after failed batches, on the relay's clock; close() wakes it
                    wakeups.tryAcquire(Math.min(retry, poll), TimeUnit.MILLISECONDS);
                    continue;
                }
                RelayEngine.BatchResult result;
                try {
                    engine.giveBackUnfinished();
                    result = engine.runOnce(probe);
                    heartbeat = config.clock().instant();
                } catch (SQLException | RuntimeException e) {
                    engine.batchFailed(e);
                    failures.failed(e);
                    continue;
                }
                failures.succeeded();
                if (result.outage()) {
                    if (!probe) {
                        outage.outage(); // a failed probe leaves the pause as it is: the next one comes a base later
                    }
                } else if (result.changed() > 0) {
                    outage.recovered();
                }
                if (result.claimed() == 0) {
                    wakeups.tryAcquire(config.pollInterval().toNanos(), TimeUnit.NANOSECONDS);
                    wakeups.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
