package dev.ballast.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Every operation the clients of one scenario ran, and the moments the scenario marked (a fault applied, a fault
 * lifted). Clients add from their threads; checkers read a snapshot after the load stopped. Thread-safe.
 */
public final class History {

    private final ConcurrentLinkedQueue<Operation> operations = new ConcurrentLinkedQueue<>();
    private final Map<String, Long> marks = new ConcurrentHashMap<>();

    /** Records a completed operation. */
    public void add(Operation operation) {
        operations.add(operation);
    }

    /** Marks {@code name} (e.g. {@code fault-start}) as happening now; returns the {@link System#nanoTime()} used. */
    public long mark(String name) {
        long now = System.nanoTime();
        marks.put(name, now);
        return now;
    }

    /** Marks {@code name} at {@code nanos}. */
    public void mark(String name, long nanos) {
        marks.put(name, nanos);
    }

    /** When {@code name} was marked, if it was. */
    public Optional<Long> markOf(String name) {
        return Optional.ofNullable(marks.get(name));
    }

    /** The operations so far, in the order they completed. */
    public List<Operation> operations() {
        return new ArrayList<>(operations);
    }

    /** The operations of {@code kind}. */
    public List<Operation> operations(String kind) {
        return operations.stream().filter(op -> op.kind().equals(kind)).toList();
    }

    /** Counts per outcome and status, for reports: e.g. {@code 812 ok, 3 unknown (503 x3)}. */
    public String summary() {
        long ok = operations.stream().filter(op -> op.outcome() == Outcome.OK).count();
        long fail =
                operations.stream().filter(op -> op.outcome() == Outcome.FAIL).count();
        long unknown = operations.stream()
                .filter(op -> op.outcome() == Outcome.UNKNOWN)
                .count();
        return operations.size() + " operations: " + ok + " ok, " + fail + " failed, " + unknown + " unknown";
    }
}
