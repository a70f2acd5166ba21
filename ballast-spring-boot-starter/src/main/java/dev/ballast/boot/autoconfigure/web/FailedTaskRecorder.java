package dev.ballast.boot.autoconfigure.web;

import dev.ballast.core.Execution;
import dev.ballast.core.ExecutionPolicy;
import dev.ballast.core.Outcome;
import dev.ballast.core.TaskContext;
import org.jspecify.annotations.Nullable;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Remembers, for the current web request, the first task that let a failure propagate, so the problem handler can name
 * it and knows the executor already logged the failure (with its stack trace). Only failure paths do anything.
 */
final class FailedTaskRecorder implements ExecutionPolicy {

    private static final String ATTRIBUTE = FailedTaskRecorder.class.getName();

    /** A task's failure: the context and the exception it let through. */
    record FailedTask(TaskContext context, Throwable error) {}

    @Override
    public void onFailure(Execution execution) {
        Outcome outcome = execution.outcome();
        Throwable error = execution.error();
        if (error == null || (outcome != Outcome.FAILURE && outcome != Outcome.TRANSLATED)) {
            return;
        }
        RequestAttributes request = RequestContextHolder.getRequestAttributes();
        if (request != null && request.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST) == null) {
            request.setAttribute(
                    ATTRIBUTE, new FailedTask(execution.context(), error), RequestAttributes.SCOPE_REQUEST);
        }
    }

    /** The task that first let {@code failure} (or an exception in its cause chain) through in this request. */
    static @Nullable FailedTask of(RequestAttributes request, Throwable failure) {
        if (!(request.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST) instanceof FailedTask task)) {
            return null;
        }
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 16; depth++) {
            if (current == task.error()) {
                return task;
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        return null;
    }
}
