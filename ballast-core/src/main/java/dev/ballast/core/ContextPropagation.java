package dev.ballast.core;

import dev.ballast.core.internal.PropagatingExecutorService;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * Carries the current {@link TaskContext} and the SLF4J MDC to work handed to another thread, including virtual
 * threads. What is captured is what the submitting thread had at submit time; the worker thread gets its own context
 * back when the work ends. Executions the work runs nest in the submitter's execution, so a failure one of them logged
 * is not logged again by the submitter when it comes back through a {@code Future}. All methods are thread-safe.
 */
public final class ContextPropagation {

    private ContextPropagation() {}

    /** A runnable that runs {@code task} with the caller's current context and MDC. */
    public static Runnable wrap(Runnable task) {
        Objects.requireNonNull(task, "task");
        Snapshot snapshot = Snapshot.capture();
        return () -> {
            Snapshot previous = snapshot.apply();
            try {
                task.run();
            } finally {
                previous.restore();
            }
        };
    }

    /** A callable that runs {@code task} with the caller's current context and MDC. */
    public static <V> Callable<V> wrap(Callable<V> task) {
        Objects.requireNonNull(task, "task");
        Snapshot snapshot = Snapshot.capture();
        return () -> {
            Snapshot previous = snapshot.apply();
            try {
                return task.call();
            } finally {
                previous.restore();
            }
        };
    }

    /** An executor that wraps every task it is given with {@link #wrap(Runnable)}. */
    public static Executor wrap(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        if (executor instanceof ExecutorService service) {
            return wrap(service);
        }
        return command -> executor.execute(wrap(command));
    }

    /** An executor service that wraps every task it is given; shutting it down shuts down {@code executor}. */
    public static ExecutorService wrap(ExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return executor instanceof PropagatingExecutorService ? executor : new PropagatingExecutorService(executor);
    }

    private record Snapshot(
            @Nullable TaskContext context,
            @Nullable Execution execution,
            @Nullable Map<String, String> mdc) {

        static Snapshot capture() {
            return new Snapshot(TaskFrame.get().currentTask(), Execution.share(), MDC.getCopyOfContextMap());
        }

        /** Installs this snapshot on the current thread and returns what it replaced. */
        Snapshot apply() {
            TaskFrame here = TaskFrame.get(); // what this thread had: put back by restore, never handed on, not shared
            Snapshot previous = new Snapshot(here.task, here.current(), MDC.getCopyOfContextMap());
            here.task = context;
            here.makeCurrent(execution);
            setMdc(mdc);
            return previous;
        }

        void restore() {
            TaskFrame here = TaskFrame.get();
            here.task = context;
            here.makeCurrent(execution);
            setMdc(mdc);
        }

        private static void setMdc(@Nullable Map<String, String> values) {
            if (values == null || values.isEmpty()) {
                MDC.clear();
            } else {
                MDC.setContextMap(values);
            }
        }
    }
}
