package dev.ballast.testkit.cache;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/**
 * An executor for early refreshes that runs them only when the test says so, on the test's thread, so a test steps
 * through reads and background refreshes deterministically. {@link #inBackground()} tells a loader which it serves.
 * Thread-safe: any thread may submit; {@link #runPending()} is meant for the test's thread.
 */
public final class StepExecutor implements Executor {

    /** An executor with nothing pending. */
    public StepExecutor() {}

    private final Queue<Runnable> pending = new ArrayDeque<>();
    private boolean running;

    @Override
    public synchronized void execute(Runnable task) {
        pending.add(task);
    }

    /** Runs every task submitted so far (and those they submit), on the calling thread. */
    public void runPending() {
        while (true) {
            Runnable task;
            synchronized (this) {
                task = pending.poll();
                if (task == null) {
                    return;
                }
                running = true;
            }
            try {
                task.run();
            } finally {
                synchronized (this) {
                    running = false;
                }
            }
        }
    }

    /**
     * Whether the calling code runs inside {@link #runPending()}, i.e. as a background refresh.
     *
     * @return true while a submitted task runs
     */
    public synchronized boolean inBackground() {
        return running;
    }
}
