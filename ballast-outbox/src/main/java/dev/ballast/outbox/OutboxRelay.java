package dev.ballast.outbox;

import dev.ballast.core.ExceptionClassifier;
import dev.ballast.outbox.internal.OutboxRuntime;
import dev.ballast.outbox.internal.RelayConfig;
import dev.ballast.outbox.internal.RelayRunner;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Publishes stored events: worker threads claim batches ({@code FOR UPDATE SKIP LOCKED} on per-aggregate rows, with a
 * lease on the database clock), publish outside any transaction, and write outcomes back. Any number of relays may run
 * on one outbox, in one JVM or many. On PostgreSQL a LISTEN connection wakes the workers when events commit; polling
 * is the safety net everywhere. When every publish of a batch fails with an infrastructure error the relay pauses with
 * backoff (raising one WARNING alert) instead of spending every event's attempts. A batch that fails before publishing
 * (database unreachable, tables missing) is retried with back-off from the poll interval doubling up to 30 s, logged at
 * WARN once, then every 5 minutes with the count while it keeps failing, and at INFO when batches work again. Time comes
 * from the builder's {@linkplain Builder#clock(InstantSource) clock}. Thread-safe.
 */
public final class OutboxRelay implements AutoCloseable {

    private final RelayRunner runner;
    private final String owner;
    private final String leaseOwner;

    private OutboxRelay(RelayRunner runner, String owner, String leaseOwner) {
        this.runner = runner;
        this.owner = owner;
        this.leaseOwner = leaseOwner;
    }

    /**
     * Runs one batch on the calling thread and returns how many events it published or dead-lettered. For tests and
     * tools; a started relay does this in its own threads.
     */
    public int drainOnce() throws SQLException {
        return runner.drainOnce();
    }

    /** Runs batches on the calling thread until one claims nothing; returns the events published or dead-lettered. */
    public int drain() throws SQLException {
        return runner.drain();
    }

    /** Deletes published rows older than the retention period now, in small batches; returns how many. */
    public int deletePublished() throws SQLException {
        return runner.deletePublished();
    }

    /**
     * Deletes the request rows of idempotent commands ({@link Outbox#executeOnce}) older than the request retention
     * now, in small batches; returns how many. Housekeeping does this on its schedule.
     */
    public int deleteExpiredRequests() throws SQLException {
        return runner.deleteExpiredRequests();
    }

    /**
     * Starts the worker threads, the housekeeping schedule and, on PostgreSQL, the LISTEN connection. A closed relay can
     * be started again, as a Spring context's stop and start (and the test framework's context pausing) do.
     */
    public OutboxRelay start() {
        runner.start();
        return this;
    }

    /**
     * Stops gracefully: claims no new batch, lets each running batch finish its waves and write its outcomes (which
     * gives its leases back), up to the shutdown timeout (default 10 s). Workers still busy after that are interrupted,
     * and any lease this relay still holds is released, so other relays claim those aggregates at once instead of after
     * the lease runs out (an event whose publish was cut short may then be published again: at-least-once).
     */
    @Override
    public void close() {
        runner.close();
    }

    /**
     * Pauses <b>every</b> relay on this outbox's tables, on every instance, until {@link #resume}: this relay at once,
     * the others within their poll interval (the state is a row of {@code <prefix>outbox_control} each relay reads).
     * Batches already running finish; events wait in the outbox. The pause outlives restarts. For an operator (a bad
     * consumer, a broker under maintenance); returns whether the relays were running unpaused.
     *
     * @param by who paused them (kept in the row and logged)
     * @throws SQLException if the pause could not be written (nothing changed then)
     */
    public boolean pause(String by) throws SQLException {
        return runner.pause(requireBy(by));
    }

    /**
     * Resumes every relay on this outbox's tables after {@link #pause}; returns whether they were paused.
     *
     * @param by who resumed them (kept in the row and logged)
     * @throws SQLException if the resume could not be written (nothing changed then)
     */
    public boolean resume(String by) throws SQLException {
        return runner.resume(requireBy(by));
    }

    /** Whether an operator paused the relays on this outbox's tables (as this relay last read it). */
    public boolean isPaused() {
        return runner.isPaused();
    }

    /** Who paused or resumed the relays last and when, as this relay last read it; empty if nobody ever did. */
    public Optional<PauseChange> lastPauseChange() {
        var state = runner.pauseState();
        return state.changedBy() == null || state.changedAt() == null
                ? Optional.empty()
                : Optional.of(new PauseChange(state.paused(), state.changedBy(), state.changedAt()));
    }

    /**
     * The last pause or resume of the relays on an outbox's tables.
     *
     * @param paused whether it was a pause
     * @param by who did it
     * @param at when, on the clock of the relay that did it
     */
    public record PauseChange(boolean paused, String by, Instant at) {}

    private static String requireBy(String by) {
        if (by == null || by.isBlank() || by.length() > 200) {
            throw new IllegalArgumentException("Who pauses or resumes the relays must be named (1 to 200 characters)");
        }
        return by;
    }

    /** Whether {@link #start()} was called and {@link #close()} not yet: its threads are running. */
    public boolean isRunning() {
        return runner.isRunning();
    }

    /** When a batch of this relay last completed (also an empty one), or empty before the first: its heartbeat. */
    public Optional<Instant> lastHeartbeat() {
        return runner.lastHeartbeat();
    }

    /**
     * While the broker looks down (every publish of the last batch failed with an infrastructure error): when, by the
     * relay's clock, its outage pause ends and it claims a batch again. Empty while publishing works.
     */
    public Optional<Instant> outagePauseEnd() {
        return runner.outagePauseEnd();
    }

    /** This relay's name, as set with {@link Builder#owner(String)} (unique per relay unless set). */
    public String owner() {
        return owner;
    }

    /**
     * What this relay writes into the leases it takes, and the only leases it ever completes or gives back: {@link
     * #owner()}, {@code #}, and 8 random hex digits made when the relay is built (the name cut to its first 91
     * characters to fit the lease column). Two relays given the same name, or a relay restarted under its old name,
     * never take each other's leases for their own.
     */
    public String leaseOwner() {
        return leaseOwner;
    }

    /**
     * Relay settings; setters check their value at once. Defaults: 1 thread, 100 aggregates per batch, 20 events per
     * aggregate, 10 attempts, backoff 1 s doubling up to 5 min with jitter, lease 30 s, poll every 500 ms, BLOCK on a
     * dead head-of-line event, retention 7 days (also of request ids), housekeeping every 10 s, outage pause 1 s doubling up to 60 s,
     * LISTEN/NOTIFY on PostgreSQL, dead-letter file {@code ballast-outbox-dlq.jsonl} in the working directory, 10 s for
     * running batches to finish on close. Not thread-safe.
     */
    public static final class Builder {
        private final OutboxRuntime runtime;
        private final OutboxPublisher publisher;
        private int threads = 1;
        private int batchAggregates = 100;
        private int maxPerAggregate = 20;
        private int maxAttempts = 10;
        private Duration backoffBase = Duration.ofSeconds(1);
        private Duration backoffCap = Duration.ofMinutes(5);
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private Duration lease = Duration.ofSeconds(30);
        private Duration pollInterval = Duration.ofMillis(500);
        private HeadOfLinePolicy headOfLine = HeadOfLinePolicy.BLOCK;
        private Duration retention = Duration.ofDays(7);
        private @Nullable Duration requestRetention;
        private Duration housekeepingInterval = Duration.ofSeconds(10);
        private Duration outagePauseBase = Duration.ofSeconds(1);
        private Duration outagePauseCap = Duration.ofSeconds(60);
        private boolean listen = true;
        private boolean asynchronousCommit = true;
        private Path deadLetterFile = Path.of("ballast-outbox-dlq.jsonl");
        private ExceptionClassifier classifier = ExceptionClassifier.defaults();
        private InstantSource clock = InstantSource.system();
        private String owner = ManagementFactory.getRuntimeMXBean().getName() + "-"
                + UUID.randomUUID().toString().substring(0, 8);

        Builder(OutboxRuntime runtime, OutboxPublisher publisher) {
            this.runtime = runtime;
            this.publisher = publisher;
        }

        /** Worker threads in this relay (1 to 64). */
        public Builder threads(int count) {
            this.threads = range("threads", count, 1, 64);
            return this;
        }

        /** Aggregates leased per batch (1 to 1000). */
        public Builder batchAggregates(int count) {
            this.batchAggregates = range("batchAggregates", count, 1, 1000);
            return this;
        }

        /** Events per aggregate per batch, published one after another (1 to 1000). */
        public Builder maxPerAggregate(int count) {
            this.maxPerAggregate = range("maxPerAggregate", count, 1, 1000);
            return this;
        }

        /** Attempts before an event goes to the dead-letter table (1 to 1000); counted at claim. */
        public Builder maxAttempts(int count) {
            this.maxAttempts = range("maxAttempts", count, 1, 1000);
            return this;
        }

        /** Retry delay: up to {@code base * 2^(attempt-1)}, at most {@code cap}, with full jitter. */
        public Builder backoff(Duration base, Duration cap) {
            positive("backoff base", base);
            positive("backoff cap", cap);
            if (cap.compareTo(base) < 0) {
                throw new IllegalArgumentException("Outbox backoff cap " + cap + " is below its base " + base);
            }
            this.backoffBase = base;
            this.backoffCap = cap;
            return this;
        }

        /**
         * How long {@link OutboxRelay#close()} waits for running batches to finish before interrupting them and
         * releasing their leases (0 to 10 min).
         */
        public Builder shutdownTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException(
                        "Outbox relay shutdownTimeout must be 0 to 10 minutes, was " + timeout);
            }
            this.shutdownTimeout = timeout;
            return this;
        }

        /** How long a claimed aggregate stays leased; a relay that dies is replaced after this (at least 1 s). */
        public Builder lease(Duration duration) {
            if (duration == null || duration.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("Outbox relay lease must be at least 1s, was " + duration);
            }
            this.lease = duration;
            return this;
        }

        /** How long an idle worker waits before polling again (10 ms to 1 min). */
        public Builder pollInterval(Duration interval) {
            if (interval == null
                    || interval.compareTo(Duration.ofMillis(10)) < 0
                    || interval.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException("Outbox poll interval must be 10ms to 1min, was " + interval);
            }
            this.pollInterval = interval;
            return this;
        }

        /** What happens to the rest of an aggregate when an event of it is dead-lettered. */
        public Builder headOfLine(HeadOfLinePolicy policy) {
            this.headOfLine = Objects.requireNonNull(policy, "headOfLine");
            return this;
        }

        /** How long published rows are kept before housekeeping deletes them. */
        public Builder retention(Duration duration) {
            positive("retention", duration);
            this.retention = duration;
            return this;
        }

        /**
         * How long the request ids of idempotent commands ({@link Outbox#executeOnce}, table {@code
         * <prefix>outbox_request}) are kept before housekeeping deletes them (default: the {@linkplain #retention
         * retention} of published rows). A request id repeated after that runs as a new command: keep it longer than
         * any client retries a request.
         */
        public Builder requestRetention(Duration duration) {
            positive("requestRetention", duration);
            this.requestRetention = duration;
            return this;
        }

        /** How often retention and gauges run. */
        public Builder housekeepingInterval(Duration interval) {
            positive("housekeepingInterval", interval);
            this.housekeepingInterval = interval;
            return this;
        }

        /**
         * Pause after a batch in which the broker looked down, doubling while it stays down, at most {@code cap}; while
         * it lasts, one event is tried every {@code base}, and the pause ends when it is published.
         */
        public Builder outagePause(Duration base, Duration cap) {
            positive("outage pause base", base);
            positive("outage pause cap", cap);
            this.outagePauseBase = base;
            this.outagePauseCap = cap;
            return this;
        }

        /** Whether to LISTEN for commit notifications on PostgreSQL (polling continues either way). */
        public Builder listen(boolean enabled) {
            this.listen = enabled;
            return this;
        }

        /**
         * Whether the relay's own transactions (the claim, and the outcomes of a batch) commit with {@code
         * synchronous_commit = off} on PostgreSQL (default true; ignored on other databases). Nothing can be lost
         * either way (see the outbox guide); {@code false} makes every relay commit wait for its WAL flush, which costs
         * drain throughput and is what a benchmark against peers that commit synchronously needs. The business
         * transaction of {@code append} is never relaxed.
         */
        public Builder asynchronousCommit(boolean enabled) {
            this.asynchronousCommit = enabled;
            return this;
        }

        /** Append-only file for dead letters when the dead-letter table cannot be written. */
        public Builder deadLetterFile(Path file) {
            this.deadLetterFile = Objects.requireNonNull(file, "deadLetterFile");
            return this;
        }

        /** Decides which publish failures mean "broker down". */
        public Builder classifier(ExceptionClassifier exceptionClassifier) {
            this.classifier = Objects.requireNonNull(exceptionClassifier, "classifier");
            return this;
        }

        /**
         * The relay's clock (the system clock unless set): heartbeats, the outage pause, retention, and the due times
         * of leases and retries. Those due times live in the database and are judged by the database's clock, shifted
         * by how far this clock is from the system clock: not at all for the system clock, so relays on hosts with
         * skewed clocks still agree. Tests pass a clock they advance, so leases run out, backoffs and pauses pass,
         * without sleeping. The shutdown timeout of {@link OutboxRelay#close()} and the poll interval stay real time.
         */
        public Builder clock(InstantSource instantSource) {
            this.clock = Objects.requireNonNull(instantSource, "clock");
            return this;
        }

        /**
         * This relay's name (1 to 100 characters); its leases, log lines and alerts name it followed by a suffix of its
         * own ({@link OutboxRelay#leaseOwner()}).
         */
        public Builder owner(String name) {
            if (name == null || name.isBlank() || name.length() > 100) {
                throw new IllegalArgumentException(
                        "Outbox relay owner must be 1 to 100 characters, was '" + name + "'");
            }
            this.owner = name;
            return this;
        }

        /** A relay that is not running yet: call {@link OutboxRelay#start()}, or drive it with {@code drain}. */
        public OutboxRelay build() {
            String leaseOwner = leaseOwner(owner);
            RelayConfig config = new RelayConfig(
                    leaseOwner,
                    threads,
                    batchAggregates,
                    maxPerAggregate,
                    maxAttempts,
                    backoffBase,
                    backoffCap,
                    lease,
                    pollInterval,
                    headOfLine,
                    retention,
                    requestRetention == null ? retention : requestRetention,
                    housekeepingInterval,
                    outagePauseBase,
                    outagePauseCap,
                    listen,
                    asynchronousCommit,
                    deadLetterFile,
                    classifier,
                    clock,
                    shutdownTimeout);
            return new OutboxRelay(new RelayRunner(runtime, publisher, config), owner, leaseOwner);
        }

        /** {@code name#<8 random hex digits>}, at most 100 characters (the lease column's width). */
        static String leaseOwner(String name) {
            String run = UUID.randomUUID().toString().substring(0, 8);
            return (name.length() > 91 ? name.substring(0, 91) : name) + "#" + run;
        }

        private static int range(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(
                        "Outbox relay " + name + " must be " + min + " to " + max + ", was " + value);
            }
            return value;
        }

        private static void positive(String name, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("Outbox relay " + name + " must be positive, was " + value);
            }
        }
    }
}
