package dev.ballast.lock.resilient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.test.RedisServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The way back from the database to Redis, with the default settings: two instances (own Redis client, PostgreSQL pool
 * and breaker each) and the test's own redis-server, killed and restarted. The switch back only takes effect {@code
 * maxLease + 3R} (3.5 s) after it is made; callers must not wait for that: while it is pending they lock on both
 * backends (database first, then Redis), which excludes the database holders of instances that have not seen the switch
 * yet and the Redis holders that come after it. Workers on both instances contend on one key the whole time: never two
 * holders, and fencing tokens keep rising across the hand-over.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ResilientLockRecoveryIT {

    private static final String KEY = "account:A-1";
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final int AFTER_FIRST = 10;

    private final String prefix = ResilientInstance.prefix("rr");
    private ResilientPair pair;
    private List<ResilientInstance> instances;
    private final AtomicInteger holders = new AtomicInteger();
    private final AtomicInteger maxHolders = new AtomicInteger();
    private final AtomicLong lastToken = new AtomicLong();
    private final AtomicInteger tokenRegressions = new AtomicInteger();
    private final AtomicInteger grants = new AtomicInteger();
    private final AtomicBoolean recovering = new AtomicBoolean();
    private final List<String> refusedAfterRecovery = new CopyOnWriteArrayList<>();
    private final List<String> failedAfterRecovery = new CopyOnWriteArrayList<>();
    /** Counted down once to stop the workers; their pacing waits on it, so they stop at once. */
    private final CountDownLatch stop = new CountDownLatch(1);

    private final List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    private RedisServer redis;
    private HikariDataSource admin;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        pair = new ResilientPair(
                prefix,
                name -> ResilientInstance.onServer(
                        name, prefix, 8, redis.uri(), Duration.ofSeconds(1), LockListener.none()));
        instances = pair.instances;
        admin = pair.admin;
    }

    @AfterEach
    void stopAll() throws Exception {
        stop.countDown();
        pair.close();
        redis.close();
    }

    @Test
    void callersDoNotWaitForTheSwitchBackToRedisAndNeverShareALock() throws Exception {
        List<Thread> workers = pair.workers(2, this::contend);
        ResilientInstance a = pair.a;
        ResilientInstance b = pair.b;
        await("grants on redis").atMost(Duration.ofSeconds(20)).until(() -> grants.get() >= 20);

        redisDiesAndLocksMoveToTheDatabase();
        int onDatabase = grants.get();
        await("grants on the database").atMost(Duration.ofSeconds(20)).until(() -> grants.get() >= onDatabase + 20);

        redis.restart(); // empty: the fence counters are gone too
        recovering.set(true);
        await("the switch back to redis is made")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> a.locks.mode() == LockMode.PRIMARY);

        long[] nanos = new long[AFTER_FIRST + 1];
        boolean firstWhilePending;
        boolean firstOnBoth;
        long started = System.nanoTime();
        try (LockHandle first = a.locks.tryAcquire("recovery:first", WAIT, Duration.ofSeconds(2))) {
            nanos[0] = System.nanoTime() - started;
            firstWhilePending = switchPending();
            firstOnBoth = ((ResilientHandle) first).delegate instanceof HandoverHandle;
            assertThat(first.isValid()).isTrue();
        }
        for (int i = 1; i <= AFTER_FIRST; i++) {
            ResilientInstance instance = instances.get(i % 2);
            long at = System.nanoTime();
            try (LockHandle next = instance.locks.tryAcquire("recovery:" + i, WAIT, Duration.ofSeconds(2))) {
                nanos[i] = System.nanoTime() - at;
                assertThat(next.isValid()).isTrue();
            }
        }
        await("the switch back takes effect").atMost(Duration.ofSeconds(10)).until(() -> !switchPending());
        int onRedis = grants.get();
        await("grants after the switch back").atMost(Duration.ofSeconds(20)).until(() -> grants.get() >= onRedis + 20);
        try (LockHandle plain = b.locks.tryAcquire("recovery:after", WAIT, Duration.ofSeconds(2))) {
            assertThat(((ResilientHandle) plain).delegate)
                    .as("once the switch has taken effect, locks are on redis only")
                    .isNotInstanceOf(HandoverHandle.class);
        }

        stop.countDown();
        for (Thread worker : workers) {
            worker.join(10_000);
        }
        long[] millis = Arrays.stream(nanos).map(TimeUnit.NANOSECONDS::toMillis).toArray();
        System.out.printf(
                "ResilientLockRecoveryIT: first acquisition after the switch back %d ms, next %d: %s ms; backend"
                        + " failures after Redis returned: %s%n",
                millis[0],
                AFTER_FIRST,
                Arrays.toString(Arrays.copyOfRange(millis, 1, millis.length)),
                failedAfterRecovery);
        assertThat(firstWhilePending)
                .as(
                        "the first acquisition after the switch back completes while the switch is pending (took %d ms)",
                        millis[0])
                .isTrue();
        assertThat(firstOnBoth)
                .as("held on both backends while the switch is pending")
                .isTrue();
        assertThat(unexpected).isEmpty();
        assertThat(maxHolders.get()).as("holders of one key at once").isEqualTo(1);
        assertThat(tokenRegressions.get())
                .as("fencing tokens that did not rise")
                .isZero();
        assertThat(refusedAfterRecovery)
                .as("contending callers refused (their wait ran out) after Redis returned")
                .isEmpty();
    }

    /**
     * Found by a black-box check: Redis froze again just after the switch back to it was made, while callers locked on
     * both backends. Callers queued on the key behind a hand-over whose Redis command was timing out saw their wait run
     * out and were told the key was busy (409 {@code LOCK_BUSY} at the HTTP edge), though nobody held it. Their wait
     * ended in an outage, and must say so (503).
     */
    @Test
    void aCallerWhoseWaitEndsWhileRedisFreezesDuringTheHandOverFailsAsAnOutageNotAsLockBusy() throws Exception {
        ResilientInstance a = pair.a;
        redisDiesAndLocksMoveToTheDatabase();
        redis.restart();
        await("the switch back to redis is made")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> a.locks.mode() == LockMode.PRIMARY);
        redis.pause();
        assertThat(switchPending())
                .as("Redis froze while the switch back was pending")
                .isTrue();

        int callers = 8;
        List<String> outcomes = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(callers);
        for (int i = 0; i < callers; i++) {
            Thread.ofPlatform().name("caller-" + i).start(() -> {
                try (LockHandle ignored = a.locks.tryAcquire(KEY, WAIT, Duration.ofSeconds(2))) {
                    outcomes.add("granted");
                } catch (LockAcquisitionException e) {
                    outcomes.add("busy: " + e.getMessage());
                } catch (LockBackendException e) {
                    outcomes.add("outage");
                } catch (RuntimeException e) {
                    outcomes.add("unexpected: " + e);
                } finally {
                    done.countDown();
                }
            });
        }
        boolean allAnswered = done.await(30, TimeUnit.SECONDS);
        redis.resume();

        assertThat(allAnswered).as("every caller answered").isTrue();
        assertThat(outcomes)
                .as("nobody held the key: a wait that ran out while Redis was frozen is an outage")
                .hasSize(callers)
                .allMatch(outcome -> outcome.equals("outage") || outcome.equals("granted"));
    }

    /**
     * Kills the test's Redis and waits until both instances lock on the database. The fail-over is not under test here
     * (ResilientLockFailoverIT measures it): calls on keys nobody holds meet the dead Redis at once and open A's
     * breaker, whatever the contended key's local hand-offs do.
     */
    private void redisDiesAndLocksMoveToTheDatabase() throws Exception {
        ResilientInstance a = pair.a;
        ResilientInstance b = pair.b;
        redis.kill();
        await("both instances lock on the database")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(
                        () -> {
                            if (a.locks.mode() == LockMode.PRIMARY) {
                                failOnce(a);
                            }
                            return a.locks.mode() + " " + b.locks.mode() + " pending=" + switchPending();
                        },
                        equalTo("FALLBACK FALLBACK pending=false"));
    }

    /** One call that finds Redis down (or, once the switch is made, waits no time for it to take effect). */
    private static void failOnce(ResilientInstance instance) {
        try (LockHandle ignored = instance.locks.tryAcquire("outage:" + UUID.randomUUID(), Duration.ZERO, WAIT)) {
            // granted: Redis still answered
        } catch (LockAcquisitionException | LockBackendException expected) {
            // what the outage looks like to a caller
        }
    }

    /** Whether the authority row holds a mode that has not taken effect yet (by the database's clock). */
    private boolean switchPending() throws Exception {
        try (Connection connection = admin.getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT effective_at > (EXTRACT(EPOCH FROM clock_timestamp())"
                        + " * 1000000)::BIGINT FROM " + prefix + "lock_mode WHERE id = 1")) {
            return row.next() && row.getBoolean(1);
        }
    }

    private void contend(ResilientInstance instance) {
        while (stop.getCount() > 0) {
            try (LockHandle handle = instance.locks.tryAcquire(KEY, WAIT, Duration.ofSeconds(30))) {
                int now = holders.incrementAndGet();
                maxHolders.accumulateAndGet(now, Math::max);
                long previous = lastToken.getAndSet(handle.fencingToken());
                if (handle.fencingToken() <= previous) {
                    tokenRegressions.incrementAndGet();
                }
                pause(1);
                holders.decrementAndGet();
                grants.incrementAndGet();
            } catch (LockAcquisitionException e) {
                if (recovering.get()) {
                    refusedAfterRecovery.add(instance.name + ": " + e);
                }
                pause(20);
            } catch (LockBackendException e) {
                // not asserted: a Redis command caught in the Redis client's reconnect can still fail once Redis is
                // back (a separate issue, reported by this test's output); the switch itself refuses no one
                if (recovering.get()) {
                    failedAfterRecovery.add(instance.name + ": " + e + " <- " + e.getCause());
                }
                pause(20);
            } catch (Exception e) {
                unexpected.add(e);
                return;
            }
            pause(2);
        }
    }

    /** Paces a worker: waits {@code millis} or until the test stops the workers, whichever comes first. */
    private void pause(long millis) {
        try {
            stop.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
