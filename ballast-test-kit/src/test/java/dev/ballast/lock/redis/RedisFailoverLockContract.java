package dev.ballast.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.lock.FencedWrite;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.testkit.lock.LockStrategyContract;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The lock contract on a replicated Redis (Cluster or Sentinel) of the test's own, plus the failover that asynchronous
 * replication makes unsafe without fencing: a lock taken on the primary that never reached the replica is gone once
 * the replica is promoted. The failover test runs last: it leaves the topology without its killed primary.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class RedisFailoverLockContract extends LockStrategyContract {

    /** The lease of the holder whose lock is lost: long enough that a new holder can only get in by the loss. */
    private static final Duration STALE_LEASE = Duration.ofSeconds(20);

    /** The port of the primary that holds {@code redisKey}. */
    protected abstract int primaryPortOf(String redisKey) throws Exception;

    /** Waits until the replicas of the primary on {@code primaryPort} have every write so far. */
    protected abstract void awaitReplicasInSync(int primaryPort) throws Exception;

    /** Cuts the replica of the primary on {@code primaryPort} off: later writes are not replicated. */
    protected abstract void cutReplicaOff(int primaryPort) throws Exception;

    /** SIGKILLs the primary on {@code primaryPort} and waits until its replica has been promoted. */
    protected abstract void killPrimaryAndAwaitPromotion(int primaryPort) throws Exception;

    /**
     * Holder A takes a lock on the primary while its replica is cut off, the primary is killed and the replica
     * promoted without A's lock and without A's fence counter update. Holder B (another instance) then gets the lock
     * long before A's lease could have run out — the lock was lost, as asynchronous replication allows — but B's token
     * is still above A's: the counter's clock floor outruns the lost updates. So the resource, which keeps the highest
     * token it saw, rejects A's write after B's; and A's handle reports the loss on its next renewal. Meanwhile
     * another instance locks four other keys of that primary in a loop: it sees only refusals during the failover,
     * locks every key again after it, and each key's tokens keep increasing across it.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void aLockLostInAFailoverUnderLoadGoesToANewHolderWithAHigherTokenAndTheStaleHoldersWriteIsRejected()
            throws Exception {
        String key = "failover:" + UUID.randomUUID();
        String table =
                "failover_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        createResource(table);
        int primary = primaryPortOf(RedisLockBackend.lockKey(key));
        try (LockStrategy busy = create(LockListener.none());
                LockLoad load = LockLoad.start(busy, keysOn(primary, 4))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.everyKeyPassed(0));
            loseALockInAFailover(key, table, primary);

            long[] afterPromotion = load.acquisitions();
            await("every loaded key is locked again after the promotion")
                    .atMost(Duration.ofSeconds(15))
                    .until(() -> load.everyKeyPassed(afterPromotion));
            load.stop();
            assertThat(load.unexpected())
                    .as("under load, the failover costs only refusals (infrastructure errors, timeouts), and each"
                            + " key's tokens keep increasing across it")
                    .isEmpty();
        }
    }

    private void loseALockInAFailover(String key, String table, int primary) throws Exception {
        long replicated;
        try (LockHandle earlier = locks.tryAcquire(key, Duration.ZERO, Duration.ofSeconds(5))) {
            replicated = earlier.fencingToken();
        }
        awaitReplicasInSync(primary); // the promoted replica's counter will read `replicated`
        cutReplicaOff(primary);

        LockHandle stale = locks.tryAcquire(key, Duration.ZERO, STALE_LEASE);
        long staleAcquiredAt = System.nanoTime();
        assertThat(stale.fencingToken()).isGreaterThan(replicated);
        killPrimaryAndAwaitPromotion(primary);

        try (LockStrategy other = create(LockListener.none())) {
            AtomicReference<LockHandle> acquired = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(50))
                    .ignoreExceptionsInstanceOf(
                            LockBackendException.class) // until the client routes to the new primary
                    .until(() -> acquired.compareAndSet(null, other.tryAcquire(key, Duration.ZERO, STALE_LEASE)));
            try (LockHandle current = acquired.get()) {
                assertThat(System.nanoTime() - staleAcquiredAt)
                        .as("the new holder got in while the stale lease still ran: the lock was lost, not expired")
                        .isLessThan(STALE_LEASE.toNanos());
                assertThat(current.fencingToken())
                        .as("the token after the failover is above the lost one, not replicated + 1")
                        .isGreaterThan(stale.fencingToken());

                FencedWrite write = FencedWrite.of(table, "id", "fence", "counter");
                try (Connection connection = resources().getConnection()) {
                    assertThat(write.apply(connection, "row", current.fencingToken(), 42L))
                            .isTrue();
                    assertThat(write.apply(connection, "row", stale.fencingToken(), 7L))
                            .as("the stale holder's write is refused by the resource")
                            .isFalse();
                }
                assertThat(readCounter(table)).isEqualTo(42);

                await().atMost(STALE_LEASE.dividedBy(3).plusSeconds(10)).until(() -> lost.contains(stale));
                assertThat(stale.isValid()).isFalse();
                assertThat(current.isValid()).isTrue();
            }
        } finally {
            stale.close();
        }
    }

    /** {@code count} lock keys served by the primary on {@code primaryPort}. */
    private List<String> keysOn(int primaryPort, int count) throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count && i < 500; i++) {
            String candidate = "load:" + i + ":" + UUID.randomUUID();
            if (primaryPortOf(RedisLockBackend.lockKey(candidate)) == primaryPort) {
                keys.add(candidate);
            }
        }
        assertThat(keys).hasSize(count);
        return keys;
    }

    /**
     * One thread per key taking and releasing its lock in a loop (5 ms apart), counting acquisitions, and noting what
     * must not happen: an exception other than a refusal ({@link LockBackendException}, {@link
     * LockAcquisitionException}), or a token not above the key's previous one.
     */
    private static final class LockLoad implements AutoCloseable {

        private final List<String> keys;
        private final AtomicLongArray acquisitions;
        private final List<String> unexpected = new CopyOnWriteArrayList<>();
        private final AtomicLongArray lastTokens;
        private final ScheduledExecutorService timer;

        private LockLoad(List<String> keys) {
            this.keys = keys;
            this.acquisitions = new AtomicLongArray(keys.size());
            this.lastTokens = new AtomicLongArray(keys.size());
            this.timer = Executors.newScheduledThreadPool(keys.size());
        }

        /** Every key tries its lock again 5 ms after its previous attempt ended, each on a thread of the timer. */
        static LockLoad start(LockStrategy locks, List<String> keys) {
            LockLoad load = new LockLoad(keys);
            for (int i = 0; i < keys.size(); i++) {
                int index = i;
                load.timer.scheduleWithFixedDelay(() -> load.attempt(locks, index), 0, 5, TimeUnit.MILLISECONDS);
            }
            return load;
        }

        private void attempt(LockStrategy locks, int index) {
            String key = keys.get(index);
            try (LockHandle handle = locks.tryAcquire(key, Duration.ofMillis(500), Duration.ofSeconds(5))) {
                long last = lastTokens.get(index);
                if (handle.fencingToken() <= last) {
                    unexpected.add(key + ": token " + handle.fencingToken() + " after " + last);
                }
                lastTokens.set(index, handle.fencingToken());
                acquisitions.incrementAndGet(index);
            } catch (LockBackendException | LockAcquisitionException refused) {
                // the failover window: Redis unreachable, or a lock whose release was lost still runs its lease
            } catch (RuntimeException e) {
                unexpected.add(key + ": " + e);
            }
        }

        long[] acquisitions() {
            long[] now = new long[keys.size()];
            for (int i = 0; i < now.length; i++) {
                now[i] = acquisitions.get(i);
            }
            return now;
        }

        boolean everyKeyPassed(long floor) {
            long[] floors = new long[keys.size()];
            Arrays.fill(floors, floor);
            return everyKeyPassed(floors);
        }

        boolean everyKeyPassed(long[] floors) {
            for (int i = 0; i < floors.length; i++) {
                if (acquisitions.get(i) <= floors[i]) {
                    return false;
                }
            }
            return true;
        }

        List<String> unexpected() {
            return unexpected;
        }

        void stop() throws InterruptedException {
            timer.shutdown();
            assertThat(timer.awaitTermination(10, TimeUnit.SECONDS))
                    .as("the lock load stopped")
                    .isTrue();
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    private void createResource(String table) throws Exception {
        try (Connection connection = resources().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + table
                    + " (id VARCHAR(16) PRIMARY KEY, counter BIGINT NOT NULL, fence BIGINT NOT NULL)");
            statement.execute("INSERT INTO " + table + " (id, counter, fence) VALUES ('row', 0, 0)");
        }
    }

    private long readCounter(String table) throws Exception {
        try (Connection connection = resources().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT counter FROM " + table + " WHERE id = 'row'")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
