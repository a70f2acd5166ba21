package dev.ballast.bench.lock;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Uncontended acquire + release on one Redis, Ballast against Redisson {@code RLock} (both with an explicit lease, so
 * neither runs a watchdog... Ballast still schedules its renewal). Needs the Redis at {@code redis://127.0.0.1:6379}.
 *
 * <p>Run: {@code java -jar ballast-benchmarks/target/benchmarks.jar LockBenchmark -rf json -rff lock.json}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class LockBenchmark {

    @Param({"ballast", "redisson"})
    public String subject;

    private LockSubject locks;
    private String key;

    @Setup(Level.Trial)
    public void setUp() {
        locks = LockSubject.create(subject, "redis://127.0.0.1:6379");
        key = "bench:uncontended:" + UUID.randomUUID();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        locks.close();
    }

    @Benchmark
    public void acquireAndRelease() throws Exception {
        locks.acquire(key).run();
    }
}
