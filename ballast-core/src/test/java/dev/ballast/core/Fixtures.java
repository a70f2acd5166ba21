package dev.ballast.core;

import dev.ballast.core.policy.LoggingPolicy;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Shared helpers for core tests. */
final class Fixtures {

    static final TaskContext ORDER = new TaskContext("Order", "Place", "O-1");

    static final TaskContext STOCK = new TaskContext("Stock", "Reserve", "S-9");

    static final TaskContext INVOICE = new TaskContext("Invoice", "Send", "I-7");

    private Fixtures() {}

    /** An executor with only the logging policy: business failures at INFO, {@code lines} per 10 s on {@code clock}. */
    static LogicExecutor loggingExecutor(int lines, InstantSource clock) {
        return LogicExecutor.create(ExecutionPipeline.builder()
                .add(LoggingPolicy.create(
                                SensitiveDataMasker.defaults(), org.slf4j.event.Level.INFO, Duration.ofSeconds(5))
                        .withBusinessLogLimit(lines, Duration.ofSeconds(10), clock))
                .build());
    }

    /** Adds the current task ({@link TaskContext#toString()}, or "none") to {@code seen} each time it runs. */
    static Runnable recordingCurrentTask(List<String> seen) {
        return () -> seen.add(TaskContext.current().map(TaskContext::toString).orElse("none"));
    }

    /** A business failure. */
    static ClientException rejected() {
        return new ClientException(CommonErrorCode.INVALID_INPUT, "quantity must be positive");
    }

    /** Throws {@code checked} from code that does not declare it, as Lombok's {@code @SneakyThrows} code does. */
    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneakyThrow(Throwable checked) throws E {
        throw (E) checked;
    }

    /** A policy that writes what it sees into a shared journal. */
    static class Recording implements ExecutionPolicy {
        final List<String> journal;
        final String name;
        final int order;

        Recording(List<String> journal, String name, int order) {
            this.journal = journal;
            this.name = name;
            this.order = order;
        }

        static List<String> journal() {
            return Collections.synchronizedList(new ArrayList<>());
        }

        @Override
        public int order() {
            return order;
        }

        @Override
        public void before(Execution execution) {
            journal.add(name + ".before");
        }

        @Override
        public void onSuccess(Execution execution) {
            journal.add(name + ".success");
        }

        @Override
        public void onFailure(Execution execution) {
            journal.add(name + ".failure:" + execution.outcome().tag() + ":" + execution.category());
        }

        @Override
        public void after(Execution execution) {
            journal.add(name + ".after");
        }
    }
}
