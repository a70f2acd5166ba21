package dev.ballast.bench.cluster;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.redis.RedisLockStrategies;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.List;
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
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

/**
 * Uncontended lock acquire + release on a Redis Cluster (issue 19, point 4), 1 thread, sample time: Ballast's Redis
 * strategy on a {@code RedisClusterClient} against Redisson's {@code RLock} in cluster mode, both with an explicit
 * 30 s lease (Redisson then runs no watchdog; Ballast still schedules its renewal). The same 48 lock names for both,
 * 16 per primary (Ballast's key {@code ballast:lock:{name}} and Redisson's key {@code name} hash to the same slot),
 * taken round-robin so that consecutive acquisitions go to different shards.
 *
 * <p>The cluster is started by {@link ClusterSuite}, which passes its nodes as {@code seeds}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class ClusterLockBenchmark {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int NAMES_PER_PRIMARY = 16;

    @Param({"ballast", "redisson"})
    public String subject;

    @Param("")
    public String seeds;

    private RedisClusterClient client;
    private LockStrategy ballast;
    private RedissonClient redisson;
    private String[] names;
    private RLock[] redissonLocks;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        client = ClusterClients.lettuce(seeds);
        List<String> spread = ClusterClients.spread(client, NAMES_PER_PRIMARY, i -> "bench:order-" + i);
        names = spread.toArray(String[]::new);
        if (subject.equals("ballast")) {
            ballast = RedisLockStrategies.create(client, LockListener.none(), AlertSink.logging());
        } else {
            redisson = ClusterClients.redisson(seeds);
            redissonLocks = new RLock[names.length];
            for (int i = 0; i < names.length; i++) {
                redissonLocks[i] = redisson.getLock(names[i]);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (ballast != null) {
            ballast.close();
        }
        if (redisson != null) {
            redisson.shutdown();
        }
        client.shutdown();
    }

    @Benchmark
    public void acquireAndRelease() throws InterruptedException {
        int i = next;
        next = i + 1 == names.length ? 0 : i + 1;
        if (ballast != null) {
            LockHandle handle = ballast.tryAcquire(names[i], WAIT, LEASE);
            handle.close();
        } else {
            RLock lock = redissonLocks[i];
            if (!lock.tryLock(WAIT.toMillis(), LEASE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("Redisson did not acquire " + names[i]);
            }
            lock.unlock();
        }
    }
}
