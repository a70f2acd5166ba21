package dev.ballast.lock.pause;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.FencedWrite;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.redis.RedisLockStrategies;
import io.lettuce.core.RedisClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A holder paused past its lease (SIGSTOP on a child JVM) must lose the lock to a second holder with a higher token;
 * when resumed, its handle reports the loss and its write is rejected at the resource by the fencing token.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockHolderPauseIT {

    private static final String REDIS = "redis://127.0.0.1:6379";
    private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String USER = "postgres";
    private static final long LEASE_MILLIS = 1000;

    private final String table =
            "pause_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final String key = "pause:" + UUID.randomUUID();
    private Process child;

    @BeforeEach
    void createResource() throws Exception {
        try (Connection connection = DriverManager.getConnection(JDBC, USER, "");
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE " + table
                    + " (id VARCHAR(16) PRIMARY KEY, counter BIGINT NOT NULL, fence BIGINT NOT NULL)");
            statement.execute("INSERT INTO " + table + " VALUES ('row', 0, 0)");
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (child != null && child.isAlive()) {
            signal("CONT");
            child.destroyForcibly();
        }
        try (Connection connection = DriverManager.getConnection(JDBC, USER, "");
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + table);
        }
    }

    @Test
    void aPausedHolderLosesTheLockAndItsLateWriteIsRejected() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        child = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        PausedHolder.class.getName(),
                        REDIS,
                        JDBC,
                        USER,
                        table,
                        key,
                        Long.toString(LEASE_MILLIS))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        long pausedToken = Long.parseLong(readLine(out, "ACQUIRED ").substring("ACQUIRED ".length()));

        signal("STOP");
        RedisClient client = RedisClient.create(REDIS);
        try (LockStrategy locks = RedisLockStrategies.create(client, LockListener.none(), AlertSink.logging());
                LockHandle current = locks.tryAcquire(key, Duration.ofSeconds(10), Duration.ofSeconds(10));
                Connection connection = DriverManager.getConnection(JDBC, USER, "")) {
            assertThat(current.fencingToken()).isGreaterThan(pausedToken);
            assertThat(FencedWrite.of(table, "id", "fence", "counter")
                            .apply(connection, "row", current.fencingToken(), 1L))
                    .isTrue();

            signal("CONT");
            try (Writer in = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
                in.write("WRITE\n");
                in.flush();
            }
            List<String> report = new ArrayList<>();
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                report.add(line);
            }
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();

            assertThat(report)
                    .filteredOn(line -> line.matches("(LOST|VALID|WRITE).*"))
                    .containsExactly("LOST", "VALID false", "WRITE false");
            assertThat(report).anySatisfy(line -> assertThat(line).contains("[WARNING] Lock lease lost"));
            assertThat(counter(connection))
                    .as("only the current holder's write landed")
                    .isEqualTo(1);
        } finally {
            client.shutdown();
        }
    }

    private String readLine(BufferedReader out, String prefix) throws Exception {
        String line = out.readLine();
        assertThat(line).as("child output").isNotNull().startsWith(prefix);
        return line;
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(child.pid())).start();
        assertThat(kill.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -" + name).isZero();
    }

    private long counter(Connection connection) throws Exception {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT counter FROM " + table + " WHERE id = 'row'")) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
