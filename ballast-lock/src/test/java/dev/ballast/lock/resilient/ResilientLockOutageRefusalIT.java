package dev.ballast.lock.resilient;

import static dev.ballast.lock.resilient.ResilientInstance.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.test.RedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The black-box check's 409s, on real servers: two instances (default resilient settings, the example's 5 s wait) with
 * 64 callers each contend on six account keys of the test's own Redis Cluster while the primary serving the first key
 * is SIGKILLed and stays dead for the node timeout. The wait is ample for the contention alone (none is refused before
 * the kill), so any {@link LockAcquisitionException} in the outage would be an infrastructure failure reported as
 * "busy": a caller that lost two seconds to a command timing out on the dead node and then met the pending switch to
 * the database (3.5 s away, more than its remaining wait) was refused as if someone held the key. Now such a caller
 * fails with a {@link LockBackendException} (503 at the HTTP edge) at once, or waits through the switch and is granted
 * on the database. Balances (a read-modify-write per grant) stay exact and no key ever has two holders.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ResilientLockOutageRefusalIT {

    @RegisterExtension
    static final RedisCluster cluster = RedisCluster.create(Duration.ofSeconds(10));

    private static final int KEYS = 6;
    private static final int CALLERS_PER_INSTANCE = 64;
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final String prefix = ResilientInstance.prefix("ro");
    private final long startedAt = System.nanoTime();
    private final List<String> keys = new ArrayList<>();
    private final Accounts accounts = new Accounts();
    /** When each refusal (LOCK_BUSY at the HTTP edge) ended, in ms since the test started. */
    private final List<Long> refusals = new CopyOnWriteArrayList<>();

    private final AtomicInteger infrastructureFailures = new AtomicInteger();
    private final List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    private final AtomicLong longestOutageCallMillis = new AtomicLong();
    private final AtomicBoolean outage = new AtomicBoolean();
    private final AtomicBoolean stop = new AtomicBoolean();
    private ResilientPair pair;

    @BeforeEach
    void start() {
        for (int i = 0; i < KEYS; i++) {
            String key = "account:" + i;
            keys.add(key);
        }
        pair = new ResilientPair(
                prefix, name -> ResilientInstance.onCluster(name, prefix, 10, cluster.uris(), LockListener.none()));
    }

    @AfterEach
    void stopAll() throws Exception {
        stop.set(true);
        pair.close();
    }

    @Test
    void aPrimaryKilledUnderContentionYieldsNoLockBusyRefusalsOnlyGrantsOrInfrastructureFailures() throws Exception {
        List<Thread> callers = new ArrayList<>();
        for (ResilientInstance instance : pair.instances) {
            for (int i = 0; i < CALLERS_PER_INSTANCE; i++) {
                callers.add(Thread.ofVirtual().start(() -> call(instance)));
            }
        }
        ResilientInstance a = pair.a;
        ResilientInstance b = pair.b;
        awaitTrue("grants on redis", () -> pair.grants("redis") >= 2_000, 30);
        int refusedBeforeKill = refusals.size();

        int victim = cluster.primaryPortOf(keys.getFirst());
        long killedAt = elapsedMillis();
        outage.set(true);
        cluster.killPrimary(victim);
        awaitTrue(
                "both instances on the database",
                () -> a.locks.activeBackend().equals("jdbc")
                        && b.locks.activeBackend().equals("jdbc"),
                30);
        long jdbcBefore = pair.grants("jdbc");
        awaitTrue("grants on the database", () -> pair.grants("jdbc") >= jdbcBefore + 300, 30);
        cluster.awaitPromotion(victim);
        awaitTrue(
                "both instances back on redis",
                () -> a.locks.activeBackend().equals("redis")
                        && b.locks.activeBackend().equals("redis"),
                40);
        long backAt = elapsedMillis();
        outage.set(false);
        long redisBefore = pair.grants("redis");
        awaitTrue("grants on redis again", () -> pair.grants("redis") >= redisBefore + 1_000, 30);

        stop.set(true);
        for (Thread caller : callers) {
            caller.join(15_000);
        }
        System.out.printf(
                "ResilientLockOutageRefusalIT (%d callers on %d keys, wait %s, node timeout 10 s): killed at %d ms,"
                        + " back on redis at %d ms; %d granted (%d on redis, %d on jdbc), %d refused as busy (%d"
                        + " before the kill), %d infrastructure failures; longest call in the outage %d ms%n",
                2 * CALLERS_PER_INSTANCE,
                KEYS,
                WAIT,
                killedAt,
                backAt,
                accounts.granted(),
                pair.grants("redis"),
                pair.grants("jdbc"),
                refusals.size(),
                refusedBeforeKill,
                infrastructureFailures.get(),
                longestOutageCallMillis.get());
        assertThat(unexpected).isEmpty();
        assertThat(refusedBeforeKill)
                .as("refusals from contention alone (the wait is ample)")
                .isZero();
        assertThat(refusals)
                .as("LOCK_BUSY refusals (ms since start) in and after the outage")
                .isEmpty();
        assertThat(accounts.overlaps.get()).as("moments a key had two holders").isZero();
        for (String key : keys) {
            assertThat(accounts.balance(key)).as("balance of " + key).isEqualTo(accounts.deposits(key));
        }
        assertThat(longestOutageCallMillis.get())
                .as("the longest call in the outage: its wait plus one command timeout in flight, and scheduling")
                .isLessThan(WAIT.toMillis() + 3_000);
    }

    private void call(ResilientInstance instance) {
        while (!stop.get()) {
            String key = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
            long began = System.nanoTime();
            boolean inOutage = outage.get();
            try (LockHandle handle = instance.locks.tryAcquire(key, WAIT, Duration.ofSeconds(30))) {
                accounts.deposit(key);
                instance.granted();
            } catch (LockAcquisitionException e) {
                refusals.add(elapsedMillis());
            } catch (LockBackendException e) {
                infrastructureFailures.incrementAndGet();
            } catch (RuntimeException e) {
                unexpected.add(e);
                return;
            } finally {
                if (inOutage || outage.get()) {
                    longestOutageCallMillis.accumulateAndGet(
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), Math::max);
                }
            }
            // paces the load on a shared 2-core machine; not a wait for anything
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
    }

    /**
     * One balance per key, raised by one per grant with a read-modify-write that only the lock makes exact, and the
     * holders of each key at this moment. Callers hold the key's lock; the holder count's atomic updates order one
     * holder's write before the next holder's read.
     */
    private static final class Accounts {
        final AtomicInteger overlaps = new AtomicInteger();
        private final ConcurrentMap<String, AtomicInteger> holders = new ConcurrentHashMap<>();
        private final ConcurrentMap<String, long[]> balances = new ConcurrentHashMap<>();
        private final ConcurrentMap<String, AtomicLong> deposits = new ConcurrentHashMap<>();

        void deposit(String key) {
            AtomicInteger inside = holders.computeIfAbsent(key, k -> new AtomicInteger());
            if (inside.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            long[] balance = balances.computeIfAbsent(key, k -> new long[1]);
            long before = balance[0];
            Thread.yield();
            balance[0] = before + 1;
            deposits.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
            inside.decrementAndGet();
        }

        long balance(String key) {
            return balances.getOrDefault(key, new long[1])[0];
        }

        long deposits(String key) {
            return deposits.getOrDefault(key, new AtomicLong()).get();
        }

        long granted() {
            return deposits.values().stream().mapToLong(AtomicLong::get).sum();
        }
    }
}
