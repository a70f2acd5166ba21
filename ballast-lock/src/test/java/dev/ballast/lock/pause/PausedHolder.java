package dev.ballast.lock.pause;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.FencedWrite;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.redis.RedisLockStrategies;
import dev.ballast.test.Eventually;
import io.lettuce.core.RedisClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The lock holder that {@link LockHolderPauseIT} runs in a child JVM and pauses with SIGSTOP. Protocol on stdout:
 * {@code ACQUIRED <token>}, then after reading {@code WRITE} on stdin: {@code LOST} (if its listener heard of the
 * loss), {@code VALID <isValid>}, {@code WRITE <applied>}.
 *
 * <p>Arguments: redis URI, JDBC URL, JDBC user, resource table, lock key, lease in milliseconds.
 */
public final class PausedHolder {

    private PausedHolder() {}

    public static void main(String[] args) throws Exception {
        String redisUri = args[0];
        String jdbcUrl = args[1];
        String user = args[2];
        String table = args[3];
        String key = args[4];
        Duration lease = Duration.ofMillis(Long.parseLong(args[5]));
        RedisClient client = RedisClient.create(redisUri);
        AtomicBoolean lost = new AtomicBoolean();
        try (LockStrategy locks =
                        RedisLockStrategies.create(client, (backend, handle) -> lost.set(true), AlertSink.logging());
                BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                LockHandle handle = locks.tryAcquire(key, Duration.ZERO, lease)) {
            System.out.println("ACQUIRED " + handle.fencingToken());
            System.out.flush();
            String command = stdin.readLine(); // paused here by the parent, resumed, then told to write
            if (!"WRITE".equals(command)) {
                throw new IllegalStateException("expected WRITE, got " + command);
            }
            // the renewal thread runs after the pause and finds the loss (a real Redis lease: real time, bounded)
            Eventually.within(lease.multipliedBy(10), "the renewal finds the loss", lost::get);
            if (lost.get()) {
                System.out.println("LOST");
            }
            System.out.println("VALID " + handle.isValid());
            try (Connection connection = DriverManager.getConnection(jdbcUrl, user, "")) {
                boolean applied = FencedWrite.of(table, "id", "fence", "counter")
                        .apply(connection, "row", handle.fencingToken(), 666L);
                System.out.println("WRITE " + applied);
            }
            System.out.flush();
        } finally {
            client.shutdown();
        }
    }
}
