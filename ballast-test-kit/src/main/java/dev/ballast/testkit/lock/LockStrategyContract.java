package dev.ballast.testkit.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ballast.lock.FencedWrite;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockLostException;
import dev.ballast.lock.LockStrategy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link LockStrategy} backend must do: mutual exclusion, strictly increasing fencing tokens, waiting and
 * release, renewal while the holder works, loss reported when a lease expires behind the holder's back, all-or-nothing
 * multi-key acquisition without deadlock, and a stale holder refused at the resource by its token.
 *
 * <p>A backend author proves a backend by extending this class in a JUnit 5 test and supplying:
 *
 * <ul>
 *   <li>{@link #create(LockListener)}: a fresh strategy that reports lost leases to the given listener;
 *   <li>{@link #expireLease(String)}: a way to make the current lease on a key expire now, behind the holder's back
 *       (delete or back-date the backend's lease record);
 *   <li>{@link #resources()}: a JDBC database for the rows the locks guard (an in-memory H2 database will do);
 *   <li>optionally {@link #time()}: how time passes, {@link TestTime#real()} (the default, bounded waits) where a server
 *       keeps the lease, or {@link TestTime#manual} where the backend's leases run on a clock the test drives.
 * </ul>
 *
 * Each test gets a fresh strategy (closed after it), a fresh random key and a fresh resource table, so the suite runs
 * against a shared server. JUnit creates one instance per test method and runs its methods on one thread; the
 * {@linkplain #lost lost-lease list} is written by the backend's threads.
 *
 * <p>Its size (over the 350-line guide for main classes) is earned: it is the contract, a list of independent test
 * methods, one clause apiece, kept in one class so that a backend author reads all of it in one place.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class LockStrategyContract {

    private static final Duration LEASE = Duration.ofSeconds(5);
    private static final Duration SHORT_LEASE =
            Duration.ofMillis(600); // renewal every 200 ms: slack for a loaded CI box

    /** The handles whose loss the strategy under test reported, in order; written by the backend's threads. */
    protected final List<LockHandle> lost = new CopyOnWriteArrayList<>();

    /** The strategy under test, built by {@link #create(LockListener)} before each test and closed after it. */
    protected LockStrategy locks;

    private String key;
    private String resourceTable;

    /** Creates the contract; JUnit calls it once per test. */
    protected LockStrategyContract() {}

    /**
     * Builds a fresh strategy for one test.
     *
     * @param listener receives every handle whose lease the strategy finds lost
     * @return the strategy under test; the contract closes it after the test
     */
    protected abstract LockStrategy create(LockListener listener);

    /**
     * Makes the current lease on {@code key} expire now, as if the holder had been paused past it, without telling the
     * holder's handle.
     *
     * @param key the key whose lease ends
     * @throws Exception if the backend's lease record cannot be changed
     */
    protected abstract void expireLease(String key) throws Exception;

    /**
     * The database holding the rows the locks guard; the contract creates and drops one table per test in it.
     *
     * @return a data source for any SQL database with {@code VARCHAR} and {@code BIGINT}
     */
    protected abstract DataSource resources();

    /**
     * How time passes for this backend.
     *
     * @return {@link TestTime#real()} unless overridden: a subclass whose leases run on a clock it drives returns
     *     {@link TestTime#manual}
     */
    protected TestTime time() {
        return TestTime.real();
    }

    /**
     * Runs {@code action} on another thread while time passes until it is done.
     *
     * @param action what to run, e.g. an acquisition that waits
     * @param bound how much (real or manual) time may pass at most
     * @param <T> what the action returns
     * @return the action's result
     * @throws Exception what the action threw, or an assertion error if it is not done within {@code bound}
     */
    protected final <T> T whileTimePasses(Callable<T> action, Duration bound) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<T> result = pool.submit(action);
            time().until(result::isDone, bound);
            try {
                return result.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }

    @BeforeEach
    void setUpContract() throws SQLException {
        locks = create((backend, handle) -> lost.add(handle));
        key = "contract:" + UUID.randomUUID();
        resourceTable =
                "lock_resource_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection connection = resources().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + resourceTable
                    + " (id VARCHAR(32) PRIMARY KEY, counter BIGINT NOT NULL, fence BIGINT NOT NULL)");
            statement.execute("INSERT INTO " + resourceTable + " (id, counter, fence) VALUES ('row', 0, 0)");
        }
    }

    @AfterEach
    void tearDownContract() throws SQLException {
        locks.close();
        try (Connection connection = resources().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE " + resourceTable);
        }
    }

    @Test
    void acquiresAFreeKeyAndReleasesItOnClose() {
        try (LockHandle handle = locks.tryAcquire(key, Duration.ZERO, LEASE)) {
            assertThat(handle.isValid()).isTrue();
            assertThat(handle.key()).isEqualTo(key);
            assertThat(handle.fencingToken()).isPositive();
        }
        try (LockHandle again = locks.tryAcquire(key, Duration.ZERO, LEASE)) {
            assertThat(again.isValid()).isTrue();
        }
    }

    @Test
    void aHeldKeyIsNotAcquiredWithinTheWaitTimeAndTheErrorNamesKeyAndWait() {
        try (LockHandle held = locks.tryAcquire(key, Duration.ZERO, LEASE)) {
            assertThatThrownBy(() -> whileTimePasses(
                            () -> locks.tryAcquire(key, Duration.ofMillis(200), LEASE), Duration.ofSeconds(5)))
                    .isInstanceOf(LockAcquisitionException.class)
                    .hasMessage("Lock '" + key + "' not acquired within 200 ms")
                    .satisfies(e ->
                            assertThat(((LockAcquisitionException) e).key()).isEqualTo(key));
            assertThat(held.isValid()).isTrue();
        }
    }

    @Test
    void fencingTokensIncreaseStrictlyAcrossAcquisitions() {
        long previous = 0;
        for (int i = 0; i < 5; i++) {
            try (LockHandle handle = locks.tryAcquire(key, Duration.ZERO, LEASE)) {
                assertThat(handle.fencingToken()).isGreaterThan(previous);
                previous = handle.fencingToken();
            }
        }
    }

    @Test
    void aWaiterGetsTheLockWhenTheHolderReleases() throws Exception {
        LockHandle held = locks.tryAcquire(key, Duration.ZERO, LEASE);
        AtomicReference<Thread> waiting = new AtomicReference<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Long> waiter = pool.submit(() -> {
                waiting.set(Thread.currentThread());
                try (LockHandle handle = locks.tryAcquire(key, Duration.ofSeconds(10), LEASE)) {
                    return handle.fencingToken();
                }
            });
            // parked means it asked (or queued) and was refused: a wrong grant would have come before the first park
            await().atMost(Duration.ofSeconds(10)).until(() -> isParked(waiting.get()));
            assertThat(waiter).isNotDone();
            held.close();

            assertThat(waiter.get(10, TimeUnit.SECONDS)).isGreaterThan(held.fencingToken());
        }
    }

    private static boolean isParked(Thread thread) {
        return thread != null
                && (thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING);
    }

    @Test
    void ownershipBelongsToTheHandleNotTheThread() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            LockHandle handle = pool.submit(() -> locks.tryAcquire(key, Duration.ZERO, LEASE))
                    .get();
            pool.submit(handle::close).get();
        }
        try (LockHandle again = locks.tryAcquire(key, Duration.ZERO, LEASE)) {
            assertThat(again.isValid()).isTrue();
        }
    }

    @Test
    void renewalKeepsTheLockBeyondItsLeaseWhileTheHolderWorks() {
        try (LockHandle handle = locks.tryAcquire(key, Duration.ZERO, SHORT_LEASE)) {
            time().passWhile(SHORT_LEASE.multipliedBy(4), handle::isValid);

            assertThatThrownBy(() -> locks.tryAcquire(key, Duration.ZERO, LEASE))
                    .isInstanceOf(LockAcquisitionException.class);
        }
        assertThat(lost).isEmpty();
    }

    @Test
    void anExpiredLeaseLetsANewHolderInWithAHigherTokenAndTheOldHandleReportsTheLoss() throws Exception {
        LockHandle first = locks.tryAcquire(key, Duration.ZERO, SHORT_LEASE);
        expireLease(key);

        try (LockHandle second =
                whileTimePasses(() -> locks.tryAcquire(key, Duration.ofSeconds(5), LEASE), Duration.ofSeconds(10))) {
            assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
            time().until(() -> !first.isValid() && !lost.isEmpty(), Duration.ofSeconds(5));
            assertThat(lost).containsExactly(first);
            assertThat(second.isValid()).isTrue();
        } finally {
            first.close();
        }
    }

    @Test
    void executeWithLockReportsALostLeaseInsteadOfSuccess() {
        assertThatThrownBy(() -> locks.executeWithLock(key, Duration.ZERO, SHORT_LEASE, () -> {
                    expireLease(key);
                    time().until(() -> !lost.isEmpty(), Duration.ofSeconds(5)); // renewal finds the loss
                    return "pretended success";
                }))
                .isInstanceOf(LockLostException.class)
                .hasMessageContaining(key);
        assertThat(lost).hasSize(1);
    }

    @Test
    void executeWithLockReleasesWhenTheTaskFailsAndTheExceptionPropagatesUnchanged() {
        IllegalStateException business = new IllegalStateException("insufficient funds");

        assertThatThrownBy(() -> locks.executeWithLock(key, Duration.ZERO, LEASE, () -> {
                    throw business;
                }))
                .isSameAs(business);
        assertThat(locks.executeWithLock(key, Duration.ZERO, LEASE, () -> "free again"))
                .isEqualTo("free again");
    }

    @Test
    void rejectsInvalidKeysAndTimesWithClearMessages() {
        assertThatThrownBy(() -> locks.tryAcquire("", Duration.ZERO, LEASE)).hasMessageContaining("1 to 255");
        assertThatThrownBy(() -> locks.tryAcquire("x".repeat(256), Duration.ZERO, LEASE))
                .hasMessageContaining("was 256");
        assertThatThrownBy(() -> locks.tryAcquire("a\nb", Duration.ZERO, LEASE))
                .hasMessageContaining("control characters");
        assertThatThrownBy(() -> locks.tryAcquire(key, Duration.ofSeconds(-1), LEASE))
                .hasMessageContaining("wait time");
        assertThatThrownBy(() -> locks.tryAcquire(key, Duration.ZERO, Duration.ofMillis(10)))
                .hasMessageContaining("at least 100 ms");
    }

    @Test
    void multipleKeysAreAllOrNothing() {
        String a = key + ":a";
        String b = key + ":b";
        try (LockHandle heldB = locks.tryAcquire(b, Duration.ZERO, LEASE)) {
            assertThatThrownBy(() -> whileTimePasses(
                            () -> locks.executeWithLocks(List.of(a, b), Duration.ofMillis(200), LEASE, () -> "x"),
                            Duration.ofSeconds(5)))
                    .isInstanceOf(LockAcquisitionException.class)
                    .satisfies(e ->
                            assertThat(((LockAcquisitionException) e).key()).isEqualTo(b));
            assertThat(heldB.isValid()).as("B's holder keeps it").isTrue();
        }
        try (LockHandle freeA = locks.tryAcquire(a, Duration.ZERO, LEASE)) {
            assertThat(freeA.isValid()).as("A was released when B was busy").isTrue();
        }
    }

    @Test
    void crossingKeySetsNeverDeadlock() throws Exception {
        String a = key + ":a";
        String b = key + ":b";
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            List<Future<Integer>> workers = new ArrayList<>();
            for (List<String> order : List.of(List.of(a, b), List.of(b, a))) {
                workers.add(pool.submit(() -> {
                    start.await();
                    int done = 0;
                    for (int i = 0; i < 1000; i++) {
                        done += locks.executeWithLocks(order, Duration.ofSeconds(30), LEASE, () -> 1);
                    }
                    return done;
                }));
            }
            start.countDown();
            for (Future<Integer> worker : workers) {
                assertThat(worker.get(100, TimeUnit.SECONDS)).isEqualTo(1000);
            }
        }
    }

    @Test
    void sixteenWorkersIncrementingWithoutForUpdateGetAnExactCount() throws Exception {
        int workers = 16;
        int increments = 2000;
        try (ExecutorService pool = Executors.newFixedThreadPool(workers)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int share = increments / workers;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < share; i++) {
                        locks.runWithLock(key, Duration.ofSeconds(60), LEASE, this::incrementWithoutRowLock);
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(100, TimeUnit.SECONDS);
            }
        }
        assertThat(readCounter()).isEqualTo(increments);
    }

    @Test
    void aStaleHolderIsRejectedAtTheResourceByItsFencingToken() throws Exception {
        FencedWrite write = FencedWrite.of(resourceTable, "id", "fence", "counter");
        LockHandle stale = locks.tryAcquire(key, Duration.ZERO, SHORT_LEASE);
        expireLease(key); // the holder is "paused" past its lease

        try (LockHandle current = whileTimePasses(
                        () -> locks.tryAcquire(key, Duration.ofSeconds(5), LEASE), Duration.ofSeconds(10));
                Connection connection = resources().getConnection()) {
            assertThat(write.apply(connection, "row", current.fencingToken(), 42L))
                    .isTrue();
            assertThat(write.apply(connection, "row", stale.fencingToken(), 7L))
                    .as("the stale holder's write is refused")
                    .isFalse();
        } finally {
            stale.close();
        }
        assertThat(readCounter()).isEqualTo(42);
    }

    /** Read-modify-write on separate statements with no row lock: only the distributed lock keeps it correct. */
    private void incrementWithoutRowLock() throws SQLException {
        try (Connection connection = resources().getConnection()) {
            long value;
            try (PreparedStatement read =
                            connection.prepareStatement("SELECT counter FROM " + resourceTable + " WHERE id = 'row'");
                    ResultSet rows = read.executeQuery()) {
                rows.next();
                value = rows.getLong(1);
            }
            try (PreparedStatement write =
                    connection.prepareStatement("UPDATE " + resourceTable + " SET counter = ? WHERE id = 'row'")) {
                write.setLong(1, value + 1);
                write.executeUpdate();
            }
        }
    }

    private long readCounter() throws SQLException {
        try (Connection connection = resources().getConnection();
                PreparedStatement read =
                        connection.prepareStatement("SELECT counter FROM " + resourceTable + " WHERE id = 'row'");
                ResultSet rows = read.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
