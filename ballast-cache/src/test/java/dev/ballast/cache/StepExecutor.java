package dev.ballast.cache;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/**
 * An executor for early refreshes that runs them only when the test says so, on the test's thread, so a test steps
 * through reads and background refreshes deterministically. {@link #inBackground()} tells a loader which it serves.
 */
final class StepExecutor implements Executor {

    private final Queue<Runnable> pending = new ArrayDeque<>();
    private boolean running;

    @Override
    public synchronized void execute(Runnable task) {
        pending.add(task);
    }

    /** Runs every task submitted so far (and those they submit). */
    void runPending() {
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

    synchronized boolean inBackground() {
        return running;
    }
}
