package dev.ballast.bench.executor;

/** One implementation under comparison, behind the same two calls so the adapter cost is equal for all. */
interface Subject {

    /** Run the task; a failure reaches the caller. */
    Object execute(BenchTask task);

    /** Run the task; a failure returns {@code defaultValue}. */
    Object orDefault(BenchTask task, Object defaultValue);
}
