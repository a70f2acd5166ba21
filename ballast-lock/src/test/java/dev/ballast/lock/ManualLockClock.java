package dev.ballast.lock;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A {@link LockClock} that moves only when a test advances it; tasks that come due run on the advancing thread, in due
 * order, so renewals, deadlines and mode timers happen exactly when the test says. Thread-safe.
 */
public final class ManualLockClock implements LockClock {

    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long now = TimeUnit.SECONDS.toNanos(1_000);
    private long sequence;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Future<?> schedule(Runnable task, long delayNanos) {
        Task scheduled = new Task(task, now + Math.max(0, delayNanos), sequence++);
        tasks.add(scheduled);
        return scheduled;
    }

    /** Tasks scheduled and not yet run. */
    public synchronized int pendingTasks() {
        return tasks.size();
    }

    /**
     * Moves time forward by {@code step} without running the tasks that come due, as when the threads that run them get
     * no CPU; the next {@link #advance} runs them.
     */
    public synchronized void stall(Duration step) {
        now += step.toNanos();
    }

    /** Moves time forward by {@code step}, running every task that comes due on the way. */
    public void advance(Duration step) {
        long target;
        synchronized (this) {
            target = now + step.toNanos();
        }
        while (true) {
            Task due;
            synchronized (this) {
                due = tasks.peek();
                if (due == null || due.dueAt - target > 0) {
                    now = target;
                    return;
                }
                tasks.poll();
                now = Math.max(now, due.dueAt);
            }
            due.runUnlessCancelled();
        }
    }

    private static final class Task implements Future<Object>, Comparable<Task> {
        private final Runnable body;
        final long dueAt;
        private final long order;
        private volatile boolean cancelled;
        private volatile boolean done;

        Task(Runnable body, long dueAt, long order) {
            this.body = body;
            this.dueAt = dueAt;
            this.order = order;
        }

        void runUnlessCancelled() {
            if (!cancelled) {
                body.run();
            }
            done = true;
        }

        @Override
        public int compareTo(Task other) {
            int byTime = Long.compare(dueAt, other.dueAt);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            cancelled = true;
            return !done;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException("a manual clock's task has no result");
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException("a manual clock's task has no result");
        }
    }
}
