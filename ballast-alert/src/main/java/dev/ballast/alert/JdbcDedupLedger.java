package dev.ballast.alert;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DedupLedger} in the table {@code <prefix>alert_dedup} of the service's database (PostgreSQL, MariaDB/MySQL,
 * H2), one row per fingerprint and severity: who claimed it, when, and how many repeats the instances counted since.
 * The table comes from the shipped script {@code db/ballast/alert/<database>/V1__ballast_alert_dedup.sql}, through
 * {@link #createTable()} or the application's migrations; the constructor runs no DDL. Each ledger object is an
 * instance with an owner id of its own.
 *
 * <p>A claim is an insert (the primary key lets one instance win), else one transaction that locks the row and either
 * takes over a claim older than the window (returning every repeat counted on it) or adds this instance's repeats to
 * it. After a held claim the ledger answers "held" for that key without a statement until the claim's window ends or
 * {@value #RECHECK_SECONDS} s (of the router's clock) pass, counting those raises locally; local counts are written at
 * most once per {@value #RECHECK_SECONDS} s, one statement per key, on {@link #flush}. So a storm costs a few
 * statements per key and interval, not one per alert. A release locks the fingerprint's rows, then deletes them, in
 * one transaction: of instances releasing at once, the first ends the claim (and sends the resolved message with its
 * count), the others find nothing; a flush that finds a claim gone reports its key, so the router forgets it
 * announced the alert.
 *
 * <p>Bounded: every database call (taking a connection from the pool included) runs on a worker thread of the ledger
 * and the caller waits at most {@code timeout} (default 2 s). A call that fails or takes longer opens a breaker: for
 * {@code coolDown} (default 30 s, on the router's clock) the ledger is skipped ({@link Claim#LOCAL}: local dedup only,
 * the alert is still sent), then one claim probes it; while an abandoned call is still running no other is started.
 * Thread-safe.
 */
public final class JdbcDedupLedger implements DedupLedger {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcDedupLedger.class);
    private static final int KEY = 500;
    private static final int RECHECK_SECONDS = 5;
    private static final Duration RECHECK = Duration.ofSeconds(RECHECK_SECONDS);
    private static final int MAX_PENDING_KEYS = 10_000;
    private static final String DEFAULT_PREFIX = "ballast_";

    /** Default bound of one ledger call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /** Default time the ledger is skipped after a failure. */
    public static final Duration DEFAULT_COOL_DOWN = Duration.ofSeconds(30);

    private final DataSource dataSource;
    private final String table;
    private final String owner = UUID.randomUUID().toString();
    private final Duration timeout;
    private final Duration coolDown;
    private final Map<String, Long> pending = new ConcurrentHashMap<>();
    private final Map<String, Instant> heldUntil = new ConcurrentHashMap<>();
    private final AtomicLong statements = new AtomicLong();
    private final ThreadPoolExecutor worker =
            new ThreadPoolExecutor(0, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> Thread.ofPlatform()
                    .daemon()
                    .name("ballast-alert-ledger")
                    .unstarted(task));
    private final Object breaker = new Object();
    private @Nullable Instant openUntil;
    private final AtomicInteger running = new AtomicInteger();
    private volatile @Nullable Instant nextFlush;
    private volatile @Nullable Instant lastSeen; // the router's time at the last claim or flush

    /** A ledger in {@code <prefix>alert_dedup} with the default timeout (2 s) and cool-down (30 s). */
    public JdbcDedupLedger(DataSource dataSource, String prefix) {
        this(dataSource, prefix, DEFAULT_TIMEOUT, DEFAULT_COOL_DOWN);
    }

    /**
     * A ledger in {@code <prefix>alert_dedup}; {@code prefix} is letters, digits and underscores.
     *
     * @param timeout the longest a claim holds the router's dispatcher (10 ms to 60 s)
     * @param coolDown how long the ledger is skipped after a failure, on the router's clock (positive)
     */
    public JdbcDedupLedger(DataSource dataSource, String prefix, Duration timeout, Duration coolDown) {
        if (!prefix.matches("[A-Za-z0-9_]{0,40}")) {
            throw new IllegalArgumentException(
                    "Dedup table prefix must be up to 40 letters, digits or '_', was '" + prefix + "'");
        }
        if (timeout.compareTo(Duration.ofMillis(10)) < 0 || timeout.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("Dedup ledger timeout must be 10ms to 60s, was " + timeout);
        }
        if (coolDown.isNegative() || coolDown.isZero()) {
            throw new IllegalArgumentException("Dedup ledger cool-down must be positive, was " + coolDown);
        }
        this.dataSource = dataSource;
        this.table = prefix + "alert_dedup";
        this.timeout = timeout;
        this.coolDown = coolDown;
    }

    /** The table's name. */
    public String table() {
        return table;
    }

    /**
     * Creates the table if it is missing, with the shipped script for the database
     * ({@code db/ballast/alert/<postgresql|mariadb|h2>/V1__ballast_alert_dedup.sql}, table names with this prefix).
     *
     * @throws IllegalStateException if the database cannot be reached, is not one of those, or refuses the script
     */
    public void createTable() {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            String script = script(folder(connection.getMetaData().getDatabaseProductName()));
            for (String sql : script.split(";\\s*\\n")) {
                String trimmed = stripComments(sql).trim();
                if (!trimmed.isEmpty()) {
                    statement.execute(trimmed.replace(DEFAULT_PREFIX + "alert_dedup", table));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create the dedup table " + table + ": " + e.getMessage(), e);
        }
    }

    /** The shipped script's folder under {@code db/ballast/alert} for a JDBC product name. */
    static String folder(String product) {
        String lower = product.toLowerCase(Locale.ROOT);
        if (lower.contains("postgres")) {
            return "postgresql";
        }
        if (lower.contains("mariadb") || lower.contains("mysql")) {
            return "mariadb";
        }
        if (lower.equals("h2")) {
            return "h2";
        }
        throw new IllegalStateException(
                "The alert dedup ledger ships scripts for PostgreSQL, MariaDB/MySQL and H2," + " not for " + product);
    }

    private static String script(String folder) {
        String path = "/db/ballast/alert/" + folder + "/V1__ballast_alert_dedup.sql";
        try (InputStream in = JdbcDedupLedger.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Alert schema script missing from the jar: " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String stripComments(String sql) {
        StringBuilder kept = new StringBuilder();
        for (String line : sql.split("\n")) {
            if (!line.trim().startsWith("--")) {
                kept.append(line).append('\n');
            }
        }
        return kept.toString();
    }

    @Override
    public Claim claim(String key, Instant now, Duration window) {
        lastSeen = now;
        String id = cut(key);
        Instant held = heldUntil.get(id);
        if (held != null && now.isBefore(held)) {
            count(id, 1);
            return Claim.HELD;
        }
        heldUntil.remove(id);
        Long mine = pending.remove(id);
        long own = mine == null ? 0 : mine;
        if (!available(now)) {
            return Claim.LOCAL; // this instance's own count goes into its message
        }
        long at = now.toEpochMilli();
        long staleBefore = now.minus(window).toEpochMilli();
        Outcome outcome = bounded(now, () -> claimInDatabase(id, at, staleBefore, own));
        if (outcome == null) {
            return Claim.LOCAL;
        }
        if (outcome.won()) {
            return Claim.won(outcome.repeats());
        }
        Instant claimEnds = Instant.ofEpochMilli(outcome.claimedAt()).plus(window);
        Instant recheck = now.plus(RECHECK);
        heldUntil.put(id, claimEnds.isBefore(recheck) ? claimEnds : recheck);
        return Claim.HELD;
    }

    @Override
    public void repeated(String key) {
        count(cut(key), 1);
    }

    @Override
    public Set<String> flush(Instant now) {
        lastSeen = now;
        heldUntil.values().removeIf(until -> !now.isBefore(until));
        if (nextFlush != null && now.isBefore(nextFlush)) {
            return Set.of();
        }
        nextFlush = now.plus(RECHECK);
        if (pending.isEmpty() || !available(now)) {
            return Set.of();
        }
        Map<String, Long> batch = new HashMap<>();
        for (String key : List.copyOf(pending.keySet())) {
            Long n = pending.remove(key);
            if (n != null && n > 0) {
                batch.put(key, n);
            }
        }
        if (batch.isEmpty()) {
            return Set.of();
        }
        Set<String> gone = bounded(now, () -> addRepeats(batch));
        if (gone == null) {
            batch.forEach(this::count); // kept for when the database is back
            return Set.of();
        }
        return gone;
    }

    @Override
    public Release release(String fingerprint) {
        String cut = cut(fingerprint);
        long own = 0;
        for (String key : List.copyOf(pending.keySet())) {
            if (fingerprintOf(key).equals(cut)) {
                Long n = pending.remove(key);
                own += n == null ? 0 : n;
            }
        }
        heldUntil.keySet().removeIf(key -> fingerprintOf(key).equals(cut));
        Instant seen = lastSeen;
        Instant now = seen != null ? seen : Instant.now();
        if (!available(now)) {
            return Release.LOCAL; // the claim ends with its window
        }
        long counted = own;
        Release release = bounded(now, () -> releaseInDatabase(cut, counted));
        return release == null ? Release.LOCAL : release;
    }

    /**
     * Deletes the fingerprint's claims in one transaction that first locks them: of instances releasing concurrently,
     * the first deletes them (and sends the resolved message), the others find nothing left.
     */
    private Release releaseInDatabase(String fingerprint, long own) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                long repeats = 0;
                long since = Long.MAX_VALUE;
                boolean found = false;
                String select = "SELECT claimed_at, repeats FROM " + table + " WHERE fingerprint = ? FOR UPDATE";
                try (PreparedStatement query = connection.prepareStatement(select)) {
                    query.setQueryTimeout(queryTimeout());
                    query.setString(1, fingerprint);
                    statements.incrementAndGet();
                    try (ResultSet row = query.executeQuery()) {
                        while (row.next()) {
                            found = true;
                            since = Math.min(since, row.getLong(1));
                            repeats += row.getLong(2);
                        }
                    }
                }
                int deleted = 0;
                if (found) {
                    String sql = "DELETE FROM " + table + " WHERE fingerprint = ?";
                    try (PreparedStatement delete = connection.prepareStatement(sql)) {
                        delete.setQueryTimeout(queryTimeout());
                        delete.setString(1, fingerprint);
                        statements.incrementAndGet();
                        deleted = delete.executeUpdate();
                    }
                }
                connection.commit();
                return deleted > 0 ? Release.ended(repeats + own, Instant.ofEpochMilli(since)) : Release.NOT_HELD;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** Whether no database call of this ledger is running, an abandoned one included (for tests). */
    boolean idle() {
        return running.get() == 0;
    }

    /** Statements this ledger sent to the database (for tests). */
    long statements() {
        return statements.get();
    }

    private void count(String key, long n) {
        if (pending.size() >= MAX_PENDING_KEYS && !pending.containsKey(key)) {
            return; // a storm of distinct keys: the rest count locally only
        }
        pending.merge(key, n, Long::sum);
    }

    /** Whether the ledger is to be consulted at {@code now}: closed, or open with its cool-down over (a probe). */
    private boolean available(Instant now) {
        synchronized (breaker) {
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
    }

    private interface DatabaseCall<T> {
        T call() throws SQLException;
    }

    /** Runs {@code call} on the worker, waiting at most the timeout; null (and the breaker open) when it fails. */
    private <T> @Nullable T bounded(Instant now, DatabaseCall<T> call) {
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

    private void open(Instant now, String reason) {
        synchronized (breaker) {
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
    }

    private void close() {
        synchronized (breaker) {
            if (openUntil != null) {
                openUntil = null;
                LOG.info("Alert dedup ledger {} answers again", table);
            }
        }
    }

    private record Outcome(boolean won, long repeats, long claimedAt) {}

    private Outcome claimInDatabase(String key, long at, long staleBefore, long own) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            if (insert(connection, key, at)) {
                return new Outcome(true, 0, at);
            }
            connection.setAutoCommit(false);
            try {
                Outcome outcome = takeOverOrCount(connection, key, at, staleBefore, own);
                connection.commit();
                return outcome;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private boolean insert(Connection connection, String key, long at) throws SQLException {
        String sql =
                "INSERT INTO " + table + " (dedup_key, fingerprint, owner, claimed_at, repeats) VALUES (?, ?, ?, ?, 0)";
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setQueryTimeout(queryTimeout());
            insert.setString(1, key);
            insert.setString(2, fingerprintOf(key));
            insert.setString(3, owner);
            insert.setLong(4, at);
            statements.incrementAndGet();
            insert.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                return false; // claimed before, by this instance or another
            }
            throw e;
        }
    }

    /** The row locked: a stale (or own) claim is taken over with every repeat on it; else this one's are added. */
    private Outcome takeOverOrCount(Connection connection, String key, long at, long staleBefore, long own)
            throws SQLException {
        String select = "SELECT owner, claimed_at, repeats FROM " + table + " WHERE dedup_key = ? FOR UPDATE";
        String holder;
        long claimedAt;
        long repeats;
        try (PreparedStatement query = connection.prepareStatement(select)) {
            query.setQueryTimeout(queryTimeout());
            query.setString(1, key);
            statements.incrementAndGet();
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    return new Outcome(true, own, at); // released meanwhile: nobody holds it
                }
                holder = row.getString(1);
                claimedAt = row.getLong(2);
                repeats = row.getLong(3);
            }
        }
        if (claimedAt <= staleBefore || holder.equals(owner)) {
            String sql = "UPDATE " + table + " SET owner = ?, claimed_at = ?, repeats = 0 WHERE dedup_key = ?";
            try (PreparedStatement update = connection.prepareStatement(sql)) {
                update.setQueryTimeout(queryTimeout());
                update.setString(1, owner);
                update.setLong(2, at);
                update.setString(3, key);
                statements.incrementAndGet();
                update.executeUpdate();
            }
            return new Outcome(true, repeats + own, at);
        }
        addRepeats(connection, key, own + 1); // this raise and the ones counted locally
        return new Outcome(false, 0, claimedAt);
    }

    /** Adds each key's repeats to its claim; returns the keys that have no claim any more (resolved elsewhere). */
    private Set<String> addRepeats(Map<String, Long> batch) throws SQLException {
        Set<String> gone = new HashSet<>();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            for (Map.Entry<String, Long> entry : batch.entrySet()) {
                if (addRepeats(connection, entry.getKey(), entry.getValue()) == 0) {
                    gone.add(entry.getKey());
                }
            }
        }
        return gone;
    }

    private int addRepeats(Connection connection, String key, long n) throws SQLException {
        String sql = "UPDATE " + table + " SET repeats = repeats + ? WHERE dedup_key = ?";
        try (PreparedStatement update = connection.prepareStatement(sql)) {
            update.setQueryTimeout(queryTimeout());
            update.setLong(1, n);
            update.setString(2, key);
            statements.incrementAndGet();
            return update.executeUpdate();
        }
    }

    private int queryTimeout() {
        return (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
    }

    /** Keys are {@code <severity>|<fingerprint>}: the fingerprint is what follows the first bar. */
    private static String fingerprintOf(String key) {
        int bar = key.indexOf('|');
        return bar < 0 ? key : key.substring(bar + 1);
    }

    private static String cut(String text) {
        return text.length() <= KEY ? text : text.substring(0, KEY);
    }
}
