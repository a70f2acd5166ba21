package dev.ballast.outbox.internal;

import dev.ballast.core.sql.SqlStates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator's pause of every relay on one set of outbox tables: the row {@code name = 'relay'} of {@code
 * <prefix>outbox_control}, which each relay reads at most once per {@code refresh} on its clock (its poll interval), so
 * a pause or resume made on one instance reaches the others within that time and outlives restarts. Until the row
 * exists nothing is paused.
 *
 * <p>A read that fails (database down, the table not created: the V3 script not run) keeps the last state seen and is
 * logged once at WARN, then as a reminder while it repeats: the pause check never stops delivery by itself.
 *
 * <p>Concurrency: the relay's worker threads call {@link #paused()}; one of them reads the row when it is due ({@code
 * tryLock}), the others use the state last read (volatile). {@link #set} writes the row and the state at once.
 */
public final class SharedPause {

    /** The state last read or written, and when (relay clock, millis). */
    public record State(
            boolean paused,
            @Nullable String changedBy,
            @Nullable Instant changedAt) {
        static final State RUNNING = new State(false, null, null);
    }

    private static final String NAME = "relay";

    private final DataSource dataSource;
    private final OutboxTables tables;
    private final InstantSource clock;
    private final long refreshMillis;
    private final Logger log;
    private final String owner;
    private final BatchFailures failures;
    private final ReentrantLock reading = new ReentrantLock();
    private volatile State state = State.RUNNING;
    private volatile long nextReadAtMillis;
    private volatile boolean read;

    public SharedPause(
            DataSource dataSource,
            OutboxTables tables,
            InstantSource clock,
            Duration refresh,
            Logger log,
            String owner) {
        this.dataSource = dataSource;
        this.tables = tables;
        this.clock = clock;
        this.refreshMillis = Math.max(1, refresh.toMillis());
        this.log = log;
        this.owner = owner;
        // a failing read backs off as failing batches do (a database that is down is not asked every poll), and is
        // logged under this class: with every table missing, the relay's own batch warning says so already
        this.failures = new BatchFailures(
                LoggerFactory.getLogger(SharedPause.class),
                "Outbox relay pause check (" + tables.control + ")",
                clock,
                refresh,
                RelayRunner.FAILURE_BACKOFF_CAP,
                RelayRunner.FAILURE_REMINDER);
    }

    /** Whether the relays on these tables are paused, as last read (read again when due). */
    public boolean paused() {
        return current().paused();
    }

    /** Whether the relays were paused when this relay last read or wrote the row; never reads it (for a gauge). */
    public boolean lastRead() {
        return state.paused();
    }

    /** The state as last read (read again when due). */
    public State current() {
        long now = clock.millis();
        if (!due(now)) {
            return state;
        }
        if (!read) {
            reading.lock(); // before the first read nobody knows: wait for it (no claim while paused at start-up)
        } else if (!reading.tryLock()) {
            return state; // after it, one thread reads when due and the others go on with what was read last
        }
        try {
            if (due(now)) {
                refresh(now, true);
            }
        } finally {
            reading.unlock();
        }
        return state;
    }

    private boolean due(long now) {
        return !read || now >= nextReadAtMillis;
    }

    private void refresh(long now, boolean announce) {
        State found;
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT paused, changed_by, changed_at FROM " + tables.control + " WHERE name = ?")) {
            select.setString(1, NAME);
            try (ResultSet row = select.executeQuery()) {
                found = row.next()
                        ? new State(
                                row.getBoolean(1),
                                row.getString(2),
                                row.getTimestamp(3).toInstant())
                        : State.RUNNING;
            }
            failures.succeeded();
        } catch (SQLException | RuntimeException e) {
            Duration backOff = failures.failed(e);
            read = true; // tried: the next read is due after the back-off, not at once
            nextReadAtMillis = now + backOff.toMillis();
            return;
        }
        State before = state;
        boolean first = !read;
        read = true;
        nextReadAtMillis = now + refreshMillis;
        state = found;
        if (!announce) {
            return;
        }
        if (found.paused() && (first || !before.paused())) {
            log.warn(
                    "Outbox relays on {} are paused (by {} at {}): relay {} publishes nothing until someone resumes"
                            + " them (the action outbox.relay.resume, or OutboxRelay.resume)",
                    tables.outbox,
                    found.changedBy(),
                    found.changedAt(),
                    owner);
        } else if (!found.paused() && before.paused()) {
            log.info(
                    "Outbox relays on {} resumed (by {} at {}): relay {} publishes again",
                    tables.outbox,
                    found.changedBy(),
                    found.changedAt(),
                    owner);
        }
    }

    /**
     * Pauses or resumes every relay on these tables; returns whether that changed the state.
     *
     * @throws SQLException if the row could not be written (the state is then unchanged)
     */
    public boolean set(boolean paused, String by) throws SQLException {
        Instant now = clock.instant();
        boolean changed;
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(true);
            try {
                changed = write(connection, paused, by, now);
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        }
        if (changed) {
            state = new State(paused, by, now);
            if (paused) {
                log.warn(
                        "Outbox relays on {} paused by {} (relay {}): nothing is published until resumed",
                        tables.outbox,
                        by,
                        owner);
            } else {
                log.info("Outbox relays on {} resumed by {} (relay {})", tables.outbox, by, owner);
            }
        }
        reading.lock();
        try {
            refresh(clock.millis(), false); // the row as it is now; another instance may have written it too
        } finally {
            reading.unlock();
        }
        return changed;
    }

    /** The row updated only when it holds the other state, or inserted when missing (a racing insert: updated). */
    private boolean write(Connection connection, boolean paused, String by, Instant now) throws SQLException {
        for (int attempt = 0; attempt < 2; attempt++) {
            try (PreparedStatement update = connection.prepareStatement("UPDATE " + tables.control
                    + " SET paused = ?, changed_by = ?, changed_at = ? WHERE name = ? AND paused <> ?")) {
                update.setBoolean(1, paused);
                update.setString(2, by);
                update.setTimestamp(3, Timestamp.from(now));
                update.setString(4, NAME);
                update.setBoolean(5, paused);
                if (update.executeUpdate() == 1) {
                    return true;
                }
            }
            try (PreparedStatement exists =
                    connection.prepareStatement("SELECT paused FROM " + tables.control + " WHERE name = ?")) {
                exists.setString(1, NAME);
                try (ResultSet row = exists.executeQuery()) {
                    if (row.next()) {
                        return false; // already in that state
                    }
                }
            }
            if (!paused) {
                return false; // no row: never paused
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO " + tables.control + " (name, paused, changed_by, changed_at) VALUES (?, ?, ?, ?)")) {
                insert.setString(1, NAME);
                insert.setBoolean(2, true);
                insert.setString(3, by);
                insert.setTimestamp(4, Timestamp.from(now));
                insert.executeUpdate();
                return true;
            } catch (SQLException duplicate) {
                if (attempt == 1 || !SqlStates.isIntegrityViolation(duplicate)) {
                    throw duplicate;
                }
                // another instance inserted the row between our look and our insert: update it instead
            }
        }
        return false;
    }
}
