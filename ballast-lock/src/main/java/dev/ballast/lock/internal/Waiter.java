package dev.ballast.lock.internal;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * One caller waiting in a {@link KeyQueue}. Its state is written under the queue's monitor by whoever moves it (the
 * queue on a grant, a promotion, a failure; the waiter itself on expiry) and read by the waiter under the same monitor.
 */
final class Waiter {

    enum State {
        /** In line behind the holder or the contender. */
        QUEUED,
        /** The one waiter of this instance trying the backend. */
        CONTEND,
        /** Reserved by a holder handing the lock on; a grant or a promotion follows. */
        RESERVED,
        /** Holds the lock: {@link #handle} is set. */
        GRANTED,
        /** The backend failed while this waiter was in line: {@link #failure} is set. */
        FAILED,
        /** Its wait ended. */
        EXPIRED
    }

    final Thread thread = Thread.currentThread();
    final long deadline;
    final Duration lease;
    final boolean observed;
    State state = State.QUEUED;

    @Nullable
    LeaseHandle handle;

    @Nullable
    RuntimeException failure;
    /** Set on a promotion after a holder let go for fairness: first give other instances this long to take the key. */
    long yieldNanos;

    Waiter(long deadline, Duration lease, boolean observed) {
        this.deadline = deadline;
        this.lease = lease;
        this.observed = observed;
    }

    void wake() {
        LockSupport.unpark(thread);
    }
}
