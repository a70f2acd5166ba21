package dev.ballast.lock.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.lock.LockBackendException;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.ManualLockClock;
import dev.ballast.lock.internal.LeaseStrategyBuilder;
import dev.ballast.lock.internal.LockBackend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 15 item 11, the mechanism: waiters of one key queue in their instance. One contender per key asks the backend;
 * holders hand the lock on in arrival order without a backend round trip while the lease allows, renew first when it
 * does not, and give the lock back to the backend after a bounded run so other instances get their turn. The in-JVM
 * backend, counted, on a manual clock: nothing here sleeps.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockQueueTest {

    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ManualLockClock clock = new ManualLockClock();
    private final Counting backend = new Counting(new LocalLockBackend(clock));
    private final List<LockStrategy> strategies = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void close() {
        threads.shutdownNow();
        strategies.forEach(LockStrategy::close);
    }

    private LockStrategy instance() {
        LockStrategy locks = new LeaseStrategyBuilder(time -> backend)
                .listener(LockListener.none())
                .alerts(AlertSink.logging())
                .clock(clock)
                .background(Runnable::run) // retried releases run when the clock moves
                .build();
        strategies.add(locks);
        return locks;
    }

    @Test
    void waitersGetTheLockInArrivalOrder() throws Exception {
        LockStrategy locks = instance();
        LockHandle first = locks.tryAcquire("k", Duration.ZERO, LEASE);
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<Future<?>> waiters = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int number = i;
            AtomicReference<Thread> thread = new AtomicReference<>();
            waiters.add(threads.submit(() -> {
                thread.set(Thread.currentThread());
                try (LockHandle ignored = locks.tryAcquire("k", WAIT, LEASE)) {
                    order.add(number);
                }
                return null;
            }));
            awaitParked(thread); // in line before the next one arrives
        }
        first.close();
        for (Future<?> waiter : waiters) {
            waiter.get(10, TimeUnit.SECONDS);
        }

        assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void handingOnInsideTheInstanceAsksTheBackendNothingAndTokensStillRise() throws Exception {
        LockStrategy locks = instance();
        LockHandle first = locks.tryAcquire("k", Duration.ZERO, LEASE);
        List<Long> tokens = new CopyOnWriteArrayList<>();
        List<Future<?>> waiters = queue(locks, 10, tokens);
        int locksBefore = backend.tryLocks.get();

        first.close();
        for (Future<?> waiter : waiters) {
            waiter.get(10, TimeUnit.SECONDS);
        }

        assertThat(backend.tryLocks.get() - locksBefore)
                .as("backend acquisitions for 10 queued waiters")
                .isZero();
        assertThat(backend.renewals.get())
                .as("renewals: more than half of every lease was left")
                .isZero();
        assertThat(backend.unlocks.get()).as("one release at the end").isEqualTo(1);
        assertThat(tokens).hasSize(10).isSorted().doesNotHaveDuplicates();
        assertThat(tokens.get(0)).isGreaterThan(first.fencingToken());
        try (LockHandle later = locks.tryAcquire("k", Duration.ZERO, LEASE)) {
            assertThat(later.fencingToken()).as("a new backend ownership").isGreaterThan(tokens.get(9));
        }
    }

    @Test
    void aHandOffRenewsFirstWhenLessThanHalfTheLeaseIsLeft() throws Exception {
        LockStrategy locks = instance();
        LockHandle first = locks.tryAcquire("k", Duration.ZERO, LEASE);
        List<Long> tokens = new CopyOnWriteArrayList<>();
        List<Future<?>> waiters = queue(locks, 1, tokens);
        backend.failRenewals = true; // the scheduled renewals do not get through
        clock.advance(LEASE.multipliedBy(6).dividedBy(10)); // 40 % of the lease left
        backend.failRenewals = false;
        int renewalsBefore = backend.renewals.get();

        first.close();
        waiters.get(0).get(10, TimeUnit.SECONDS);

        assertThat(backend.renewals.get() - renewalsBefore)
                .as("a renewal before the hand-off")
                .isEqualTo(1);
        assertThat(tokens).singleElement().satisfies(token -> assertThat(token).isGreaterThan(first.fencingToken()));
    }

    @Test
    void aLeaseThatRanOutIsNeverHandedOnTheNextWaiterAsksTheBackend() throws Exception {
        LockStrategy locks = instance();
        LockHandle first = locks.tryAcquire("k", Duration.ZERO, LEASE);
        List<Long> tokens = new CopyOnWriteArrayList<>();
        List<Future<?>> waiters = queue(locks, 1, tokens);
        backend.failRenewals = true;
        int locksBefore = backend.tryLocks.get();
        clock.advance(LEASE.plusMillis(100)); // the lease ran out: the waiter contends at once

        waiters.get(0).get(10, TimeUnit.SECONDS);

        assertThat(first.isValid()).isFalse();
        assertThat(backend.tryLocks.get() - locksBefore).isPositive();
        first.close();
    }

    @Test
    void afterSixteenLocalHoldersTheLockGoesBackToTheBackendSoAnotherInstanceGetsItsTurn() throws Exception {
        LockStrategy busy = instance();
        LockStrategy other = instance();
        LockHandle first = busy.tryAcquire("k", Duration.ZERO, LEASE);
        AtomicInteger busyGrants = new AtomicInteger();
        AtomicInteger busyGrantsBeforeOther = new AtomicInteger(-1);
        List<Future<?>> waiters = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            AtomicReference<Thread> thread = new AtomicReference<>();
            waiters.add(threads.submit(() -> {
                thread.set(Thread.currentThread());
                try (LockHandle ignored = busy.tryAcquire("k", WAIT, LEASE)) {
                    busyGrants.incrementAndGet();
                }
                return null;
            }));
            awaitParked(thread);
        }
        Future<?> otherWaiter = threads.submit(() -> {
            try (LockHandle ignored = other.tryAcquire("k", WAIT, LEASE)) {
                busyGrantsBeforeOther.set(busyGrants.get());
            }
            return null;
        });
        await().until(() -> backend.tryLocks.get() >= 2); // the other instance asked once and was refused

        first.close();
        otherWaiter.get(10, TimeUnit.SECONDS);
        for (Future<?> waiter : waiters) {
            waiter.get(10, TimeUnit.SECONDS);
        }

        // sixteen holders in a row: the first and fifteen of the queued ones
        assertThat(busyGrantsBeforeOther.get())
                .as("queued holders before the other instance's turn")
                .isEqualTo(15);
    }

    @Test
    void aQueuedWaiterGivesUpAtItsDeadlineAndTheNextOneStillGetsTheLock() throws Exception {
        LockStrategy locks = instance();
        LockHandle first = locks.tryAcquire("k", Duration.ZERO, LEASE);
        AtomicReference<Thread> impatientThread = new AtomicReference<>();
        Future<?> impatient = threads.submit(() -> {
            impatientThread.set(Thread.currentThread());
            return locks.tryAcquire("k", Duration.ofMillis(500), LEASE);
        });
        List<Long> tokens = new CopyOnWriteArrayList<>();
        awaitParked(impatientThread);
        List<Future<?>> patient = queue(locks, 1, tokens);

        clock.advance(Duration.ofMillis(600));
        assertThatThrownBy(() -> impatient.get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(LockAcquisitionException.class);
        first.close();
        patient.get(0).get(10, TimeUnit.SECONDS);

        assertThat(tokens).hasSize(1);
    }

    @Test
    void whenTheBackendFailsTheContenderAndEveryoneInLineFailAtOnce() throws Exception {
        LockStrategy holder = instance();
        LockStrategy locks = instance();
        LockHandle held = holder.tryAcquire("k", Duration.ZERO, LEASE);
        List<Future<?>> waiters = queue(locks, 5, new CopyOnWriteArrayList<>());

        backend.failLocks = true; // the contender's next poll fails

        for (Future<?> waiter : waiters) {
            assertThatThrownBy(() -> waiter.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(LockBackendException.class);
        }
        held.close();
    }

    /**
     * Found by a black-box check (two instances, Redis killed, then the database the locks had moved to paused): the
     * callers in line behind a contender whose request the frozen database never answered got 409 "busy" at the end of
     * their wait, though nobody held the key. A wait that ends with the backend silent for a second is an outage.
     */
    @Test
    void aWaiterInLineBehindARequestTheBackendDoesNotAnswerGetsAnOutageNotBusy() throws Exception {
        LockStrategy locks = instance();
        CountDownLatch answer = new CountDownLatch(1);
        backend.frozen = answer;
        Future<LockHandle> contender = threads.submit(() -> locks.tryAcquire("k", WAIT, LEASE));
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.tryLocks.get() == 1); // its request is out
        Future<LockHandle> inLine = inLine(locks, Duration.ofSeconds(2));

        clock.advance(Duration.ofMillis(2_100));

        assertThatThrownBy(() -> inLine.get(10, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(LockBackendException.class)
                .hasMessageContaining("had not answered this instance's request for the key for 2100 ms");
        backend.frozen = null;
        answer.countDown(); // the server answers again: the contender, whose wait is 30 s, gets the lock
        contender.get(10, TimeUnit.SECONDS).close();
    }

    /** The same wait, when the backend answers "held by someone else" throughout: contention, 409. */
    @Test
    void aWaiterInLineWhileTheBackendKeepsAnsweringBusyIsToldTheKeyIsBusy() throws Exception {
        LockStrategy holder = instance();
        LockStrategy locks = instance();
        LockHandle held = holder.tryAcquire("k", Duration.ZERO, LEASE);
        Future<LockHandle> contender = threads.submit(() -> locks.tryAcquire("k", WAIT, LEASE));
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.tryLocks.get() >= 2); // answered "busy"
        Future<LockHandle> inLine = inLine(locks, Duration.ofSeconds(2));

        clock.advance(Duration.ofMillis(2_100));

        assertThatThrownBy(() -> inLine.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(LockAcquisitionException.class);
        held.close();
        contender.get(10, TimeUnit.SECONDS).close();
    }

    /** Starts a caller of {@code k} waiting up to {@code wait} and returns once it is parked in line. */
    private Future<LockHandle> inLine(LockStrategy locks, Duration wait) {
        AtomicReference<Thread> thread = new AtomicReference<>();
        Future<LockHandle> caller = threads.submit(() -> {
            thread.set(Thread.currentThread());
            return locks.tryAcquire("k", wait, LEASE);
        });
        awaitParked(thread);
        return caller;
    }

    /** Starts {@code count} waiters, each parked in line before the next starts; their tokens go to {@code tokens}. */
    private List<Future<?>> queue(LockStrategy locks, int count, List<Long> tokens) {
        List<Future<?>> waiters = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            AtomicReference<Thread> thread = new AtomicReference<>();
            waiters.add(threads.submit(() -> {
                thread.set(Thread.currentThread());
                try (LockHandle handle = locks.tryAcquire("k", WAIT, LEASE)) {
                    tokens.add(handle.fencingToken());
                }
                return null;
            }));
            awaitParked(thread);
        }
        return waiters;
    }

    private static void awaitParked(AtomicReference<Thread> thread) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Thread t = thread.get();
            return t != null && (t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
        });
    }

    /** The in-JVM backend, counting its calls, with switchable failures. Thread-safe. */
    @Test
    void aReleaseLostInAShortOutageIsRetriedSoOtherInstancesDoNotWaitForTheLease() {
        LockStrategy holder = instance();
        LockStrategy other = instance();
        LockHandle held = holder.tryAcquire("k", Duration.ZERO, LEASE);
        backend.failUnlocks = true; // the release does not get through (e.g. no pool connection in time)
        held.close();
        assertThatThrownBy(() -> other.tryAcquire("k", Duration.ZERO, LEASE))
                .as("still held at the backend")
                .isInstanceOf(LockAcquisitionException.class);
        backend.failUnlocks = false; // the outage ends

        clock.advance(Duration.ofMillis(100)); // the first retry

        try (LockHandle next = other.tryAcquire("k", Duration.ZERO, LEASE)) {
            assertThat(next.fencingToken()).isGreaterThan(held.fencingToken());
        }
    }

    @Test
    void aFailingReleaseIsRetriedOnlyUntilTheLeaseWouldHaveRunOut() {
        LockStrategy locks = instance();
        LockHandle held = locks.tryAcquire("k", Duration.ZERO, LEASE);
        backend.failUnlocks = true;
        held.close();
        clock.advance(LEASE);
        int attempts = backend.unlocks.get();

        clock.advance(LEASE.multipliedBy(10));

        assertThat(attempts)
                .as("the release and its retries at 100 ms, 200 ms, ... then every second, within a 3 s lease")
                .isBetween(5, 8);
        assertThat(backend.unlocks.get()).as("no retry after the lease ran out").isEqualTo(attempts);
    }

    private static final class Counting implements LockBackend {
        private final LocalLockBackend target;
        final AtomicInteger tryLocks = new AtomicInteger();
        final AtomicInteger renewals = new AtomicInteger();
        final AtomicInteger unlocks = new AtomicInteger();

        volatile boolean failRenewals;
        volatile boolean failLocks;
        volatile boolean failUnlocks;
        /** While set, a lock request gets no answer until it is counted down: a frozen server. */
        volatile @Nullable CountDownLatch frozen;

        Counting(LocalLockBackend target) {
            this.target = target;
        }

        @Override
        public String name() {
            return "local";
        }

        @Override
        public long tryLock(String key, String owner, Duration lease) {
            tryLocks.incrementAndGet();
            if (failLocks) {
                throw new IllegalStateException("backend down (test fault)");
            }
            CountDownLatch answer = frozen;
            if (answer != null) {
                try {
                    answer.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while frozen", e);
                }
            }
            return target.tryLock(key, owner, lease);
        }

        @Override
        public boolean renew(String key, String owner, Duration lease) {
            if (failRenewals) {
                throw new IllegalStateException("backend down (test fault)");
            }
            renewals.incrementAndGet();
            return target.renew(key, owner, lease);
        }

        @Override
        public void unlock(String key, String owner) {
            unlocks.incrementAndGet();
            if (failUnlocks) {
                throw new IllegalStateException("backend down (test fault)");
            }
            target.unlock(key, owner);
        }

        @Override
        public boolean notifiesReleases() {
            return true;
        }

        @Override
        public void awaitRelease(String key, Duration maxWait) throws InterruptedException {
            target.awaitRelease(key, maxWait);
        }
    }
}
