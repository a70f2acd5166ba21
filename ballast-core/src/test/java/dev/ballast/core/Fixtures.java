package dev.ballast.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Shared helpers for core tests. */
final class Fixtures {

    static final TaskContext ORDER = new TaskContext("Order", "Place", "O-1");

    private Fixtures() {}

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
