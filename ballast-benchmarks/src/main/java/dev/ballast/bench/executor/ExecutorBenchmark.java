package dev.ballast.bench.executor;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-call cost of {@code execute} and {@code executeOrDefault}, success and failure paths, for Ballast (full pipeline,
 * MDC only, no policies) against a hand-written try/catch doing the same MDC and timer work, Resilience4j and
 * Failsafe, all in one run.
 *
 * <p>Run: {@code ./mvnw -q -pl ballast-benchmarks -am package -DskipTests && JAVA_HOME=<jdk21+>
 * $JAVA_HOME/bin/java -jar ballast-benchmarks/target/benchmarks.jar ExecutorBenchmark -prof gc -rf json -rff
 * target/executor.json}. Results: {@code docs/benchmarks.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class ExecutorBenchmark {

    /** A failure without a stack trace, so the benchmark measures the framework, not fillInStackTrace. */
    @SuppressWarnings("StaticAssignmentOfThrowable") // stackless and thrown as a value, never chained
    static final RuntimeException FAILURE = new StacklessFailure();

    private static final Object VALUE = "value";

    static final class StacklessFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StacklessFailure() {
            super("simulated failure", null, false, false);
        }
    }

    @Param({
        "baseline",
        "handwritten",
        "handwritten-debug-check",
        "handwritten-mdc-only",
        "ballast",
        "ballast-mdc-only",
        "ballast-mdc-metrics",
        "ballast-disabled",
        "resilience4j",
        "resilience4j-same-work",
        "failsafe"
    })
    public String subject;

    private Subject impl;
    private final BenchTask succeeding = new BenchTask(VALUE, null);
    private final BenchTask failing = new BenchTask(null, FAILURE);

    @Setup
    public void setUp() {
        impl = Subjects.create(subject, new SimpleMeterRegistry());
    }

    @Benchmark
    public Object executeSuccess() {
        return impl.execute(succeeding);
    }

    @Benchmark
    public Object executeFailure() {
        try {
            return impl.execute(failing);
        } catch (RuntimeException expected) {
            return expected;
        }
    }

    @Benchmark
    public Object orDefaultSuccess() {
        return impl.orDefault(succeeding, Subjects.DEFAULT);
    }

    @Benchmark
    public Object orDefaultFailure() {
        return impl.orDefault(failing, Subjects.DEFAULT);
    }
}
