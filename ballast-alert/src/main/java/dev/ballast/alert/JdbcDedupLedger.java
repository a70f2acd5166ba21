package dev.ballast.alert;

import dev.ballast.core.sql.SqlScript;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

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

    private static final int KEY = 500;
    private static final int RECHECK_SECONDS = 5;
    private static final Duration RECHECK = Duration.ofSeconds(RECHECK_SECONDS);
    private static final int MAX_PENDING_KEYS = 10_000;

    /** Default bound of one ledger call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /** Default time the ledger is skipped after a failure. */
    public static final Duration DEFAULT_COOL_DOWN = Duration.ofSeconds(30);

    private final DataSource dataSource;
    private final String prefix;
    private final String table;
    private final LedgerBreaker breaker;
    private final DedupTable rows;
    private final Map<String, Long> pending = new ConcurrentHashMap<>();
    private final Map<String, Instant> heldUntil = new ConcurrentHashMap<>();
    private volatile @Nullable Instant nextFlush;
    private volatile @Nullable Instant lastSeen; // the router's time at the last claim or flush

    /** A ledger in {@code <prefix>alert_dedup} with the default timeout (2 s) and cool-down (30 s). */
    public JdbcDedupLedger(DataSource dataSource, String prefix) {
        this(dataSource, prefix, DEFAULT_TIMEOUT, DEFAULT_COOL_DOWN);
    }

    /**
     * A ledger in {@code <prefix>alert_dedup}; {@code prefix} is up to 40 letters, digits and underscores, not starting
     * with a digit.
     *
     * @param timeout the longest a claim holds the router's dispatcher (10 ms to 60 s)
     * @param coolDown how long the ledger is skipped after a failure, on the router's clock (positive)
     */
    public JdbcDedupLedger(DataSource dataSource, String prefix, Duration timeout, Duration coolDown) {
        if (!prefix.matches("([A-Za-z_][A-Za-z0-9_]{0,39})?")) {
            throw new IllegalArgumentException("Dedup table prefix must be up to 40 letters, digits or '_', not"
                    + " starting with a digit, was '" + prefix + "'");
        }
        if (timeout.compareTo(Duration.ofMillis(10)) < 0 || timeout.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("Dedup ledger timeout must be 10ms to 60s, was " + timeout);
        }
        if (coolDown.isNegative() || coolDown.isZero()) {
            throw new IllegalArgumentException("Dedup ledger cool-down must be positive, was " + coolDown);
        }
        this.dataSource = dataSource;
        this.prefix = prefix;
        this.table = prefix + "alert_dedup";
        this.breaker = new LedgerBreaker(table, timeout, coolDown);
        this.rows = new DedupTable(dataSource, table, (int) Math.max(1, (timeout.toMillis() + 999) / 1000));
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
        try (Connection connection = dataSource.getConnection()) {
            String folder = folder(connection.getMetaData().getDatabaseProductName());
            SqlScript.load(
                            JdbcDedupLedger.class.getClassLoader(),
                            "db/ballast/alert/" + folder + "/V1__ballast_alert_dedup.sql")
                    .withTablePrefix(prefix)
                    .run(connection);
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
        if (!breaker.available(now)) {
            return Claim.LOCAL; // this instance's own count goes into its message
        }
        long at = now.toEpochMilli();
        long staleBefore = now.minus(window).toEpochMilli();
        DedupTable.Outcome outcome = breaker.call(now, () -> rows.claim(id, at, staleBefore, own));
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
        if (pending.isEmpty() || !breaker.available(now)) {
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
        Set<String> gone = breaker.call(now, () -> rows.addRepeats(batch));
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
            if (DedupTable.fingerprintOf(key).equals(cut)) {
                Long n = pending.remove(key);
                own += n == null ? 0 : n;
            }
        }
        heldUntil.keySet().removeIf(key -> DedupTable.fingerprintOf(key).equals(cut));
        Instant seen = lastSeen;
        Instant now = seen != null ? seen : Instant.now();
        if (!breaker.available(now)) {
            return Release.LOCAL; // the claim ends with its window
        }
        long counted = own;
        Release release = breaker.call(now, () -> rows.release(cut, counted));
        return release == null ? Release.LOCAL : release;
    }

    /** Whether no database call of this ledger is running, an abandoned one included (for tests). */
    boolean idle() {
        return breaker.idle();
    }

    /** Statements this ledger sent to the database (for tests). */
    long statements() {
        return rows.statements();
    }

    private void count(String key, long n) {
        if (pending.size() >= MAX_PENDING_KEYS && !pending.containsKey(key)) {
            return; // a storm of distinct keys: the rest count locally only
        }
        pending.merge(key, n, Long::sum);
    }

    private static String cut(String text) {
        return text.length() <= KEY ? text : text.substring(0, KEY);
    }
}
