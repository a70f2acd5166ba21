package dev.ballast.lock.resilient;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.test.RedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 * Issue 19's black-box finding, on real servers: two instances, each with its own cluster client, database pool and
 * breaker, lock keys spread over every slot of the test's own Redis Cluster (3 primaries, 3 replicas) with the
 * resilient strategy's default settings, while one primary is SIGKILLed, stays dead for the node timeout (10 s: its
 * slots are unserved, the other primaries answer, as in a production cluster before its failover), is replaced by its
 * promoted replica, and is finally restarted. The probe must reach every primary and the return must wait until no
 * instance sees failures: at most one switch to the database and one back in all, every instance following each once;
 * mutual exclusion (no two holders of a key at once, fencing tokens rising per key) and every call answered within its
 * wait plus a command timeout. Without the per-primary probe, the probe of a key on a live primary moved locks back
 * while the dead one's callers failed: the flapping the black-box check saw.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ResilientLockClusterFailoverIT {

    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static final RedisCluster cluster = RedisCluster.create(NODE_TIMEOUT);

    private static final int KEYS = 48;
    private static final int WORKERS_PER_INSTANCE = 3;
    private static final Duration WAIT = Duration.ofSeconds(5);
    /** A call waits at most WAIT, plus one Redis command timeout (1 s) in flight at its deadline, plus scheduling. */
    private static final long CALL_BOUND_MILLIS = WAIT.toMillis() + 2_000;

    private final String prefix = ResilientInstance.prefix("rc");
    private final List<String> keys = new ArrayList<>();
    private ResilientPair pair;
    private List<ResilientInstance> instances;
    private final ConcurrentMap<String, AtomicInteger> holders = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicLong> lastTokens = new ConcurrentHashMap<>();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicInteger tokenRegressions = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong longestCallMillis = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    /** Every switch made by either instance, as "from->to @ ms since the test started". */
    private final List<String> switches = new CopyOnWriteArrayList<>();

    private final long startedAt = System.nanoTime();

    @BeforeEach
    void start() throws Exception {
        Set<Integer> primariesCovered = new HashSet<>();
        for (int i = 0; i < KEYS; i++) {
            String key = "account:" + i;
            keys.add(key);
            primariesCovered.add(cluster.primaryPortOf(key));
        }
        assertThat(primariesCovered).as("the keys reach every primary").hasSize(3);
        pair = new ResilientPair(
                prefix,
                name -> ResilientInstance.onCluster(name, prefix, 10, cluster.uris(), new LockListener() {
                    @Override
                    public void leaseLost(String backend, LockHandle handle) {}

                    @Override
                    public void modeSwitched(String from, String to, long epoch) {
                        switches.add(from + "->" + to + " @" + elapsedMillis() + "ms by " + name);
                    }
                }));
        instances = pair.instances;
    }

    @AfterEach
    void stopAll() throws Exception {
        stop.set(true);
        pair.close();
    }

    @Test
    void onePrimaryDeadForTheNodeTimeoutMovesLocksToTheDatabaseOnceAndBackOnce() throws Exception {
        List<Thread> workers = pair.workers(WORKERS_PER_INSTANCE, this::work);
        ResilientInstance a = pair.a;
        ResilientInstance b = pair.b;
        ResilientInstance.awaitTrue("grants on redis", () -> grants("redis") >= 100, 30);

        // the primary that serves neither instance's former single probe key: a probe of one key stays healthy
        List<Integer> primaries = new ArrayList<>(cluster.primaryPorts());
        primaries.remove(Integer.valueOf(cluster.primaryPortOf("ballast:probe:A")));
        primaries.remove(Integer.valueOf(cluster.primaryPortOf("ballast:probe:B")));
        int victim = primaries.getFirst();
        long killedAt = elapsedMillis();
        cluster.killPrimary(victim);
        ResilientInstance.awaitTrue(
                "both instances on the database",
                () -> a.locks.activeBackend().equals("jdbc")
                        && b.locks.activeBackend().equals("jdbc"),
                30);
        long onDatabaseAt = elapsedMillis();
        long jdbcBefore = grants("jdbc");
        ResilientInstance.awaitTrue("grants on the database", () -> grants("jdbc") >= jdbcBefore + 100, 30);

        cluster.awaitPromotion(victim);
        long promotedAt = elapsedMillis();
        long redisBefore = grants("redis");
        ResilientInstance.awaitTrue(
                "both instances back on redis and granting there",
                () -> a.locks.activeBackend().equals("redis")
                        && b.locks.activeBackend().equals("redis")
                        && grants("redis") >= redisBefore + 100,
                // the quiet period (5 s) and two probes after the promotion, with room for a loaded machine; the
                // killed node stays down, so only the probe's own refresh of the slot map can show the promotion
                // (Lettuce's adaptive refresh is rate-limited to one per 30 s: a black-box run waited 37 s for it)
                25);
        long backAt = elapsedMillis();

        cluster.restart(victim); // rejoins as a replica of the promoted node
        long afterRestart = grants("redis");
        ResilientInstance.awaitTrue(
                "grants on redis after the restart", () -> grants("redis") >= afterRestart + 300, 60);

        stop.set(true);
        for (Thread worker : workers) {
            worker.join(15_000);
        }
        System.out.printf(
                "ResilientLockClusterFailoverIT (defaults, %d clients, %d keys on 3 primaries, node timeout %s):"
                        + " killed at %d ms, both on jdbc at %d ms, promoted at %d ms, both back on redis at %d ms;"
                        + " switches %s; %d calls, %d granted on redis, %d on jdbc, %d refused, %d failed, longest"
                        + " call %d ms%n",
                2 * WORKERS_PER_INSTANCE,
                KEYS,
                NODE_TIMEOUT,
                killedAt,
                onDatabaseAt,
                promotedAt,
                backAt,
                switches,
                calls.get(),
                grants("redis"),
                grants("jdbc"),
                refused.get(),
                failed.get(),
                longestCallMillis.get());
        assertThat(unexpected).isEmpty();
        assertThat(switches.stream().map(each -> each.split(" ")[0]).toList())
                .as("mode switches in all (no flapping)")
                .containsExactly("redis->jdbc", "jdbc->redis");
        for (ResilientInstance instance : instances) {
            assertThat(instance.followed)
                    .as(instance.name + " follows each change once")
                    .containsExactly("redis->jdbc", "jdbc->redis");
        }
        assertThat(overlaps.get()).as("moments a key had two holders").isZero();
        assertThat(tokenRegressions.get())
                .as("fencing tokens that did not rise for their key")
                .isZero();
        assertThat(longestCallMillis.get())
                .as("the longest lock call (wait %s)", WAIT)
                .isLessThan(CALL_BOUND_MILLIS);
    }

    private void work(ResilientInstance instance) {
        while (!stop.get()) {
            String key = keys.get(ThreadLocalRandom.current().nextInt(keys.size()));
            long began = System.nanoTime();
            try (LockHandle handle = instance.locks.tryAcquire(key, WAIT, Duration.ofSeconds(2))) {
                AtomicInteger inside = holders.computeIfAbsent(key, k -> new AtomicInteger());
                if (inside.incrementAndGet() > 1) {
                    overlaps.incrementAndGet();
                }
                long previous =
                        lastTokens.computeIfAbsent(key, k -> new AtomicLong()).getAndSet(handle.fencingToken());
                if (handle.fencingToken() <= previous) {
                    tokenRegressions.incrementAndGet();
                }
                instance.granted();
                inside.decrementAndGet();
            } catch (LockAcquisitionException e) {
                refused.incrementAndGet();
            } catch (LockBackendException e) {
                failed.incrementAndGet();
            } catch (RuntimeException e) {
                unexpected.add(e);
                return;
            } finally {
                calls.incrementAndGet();
                longestCallMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), Math::max);
            }
            // paces the load (about 150 calls a second per worker) on a shared 2-core machine; not a wait for anything
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
    }

    private long grants(String backend) {
        return pair.grants(backend);
    }
}
