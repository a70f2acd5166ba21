package dev.ballast.test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A MariaDB server of the test's own ({@code mariadb-install-db} + {@code mariadbd} from the installed MariaDB server
 * package) in a temporary directory on a free loopback port, user {@code root} with an empty password, that a test may
 * kill ({@code SIGKILL}), restart (InnoDB crash recovery), freeze and thaw. Never touches the machine's shared MariaDB.
 * {@code mariadbd} refuses to run as root unless told a user: when the tests run as root, the server runs as the
 * {@code mysql} user ({@code --user=mysql}, which {@code mariadbd} switches to itself) and owns its directory. Not
 * thread-safe: drive it from the test thread.
 */
public final class MariaDbServer implements AutoCloseable {

    private static final List<Path> SEARCH = List.of(Path.of("/usr/sbin"), Path.of("/usr/bin"));
    private static final long COMMAND_TIMEOUT_SECONDS = 60;
    private static final long START_TIMEOUT_SECONDS = 60;

    private final Path installDb;
    private final Path server;
    private final Path directory;
    private final int port;
    private @Nullable Process process;

    private MariaDbServer(Path installDb, Path server) throws IOException {
        this.installDb = installDb;
        this.server = server;
        this.port = freePort();
        this.directory = Files.createTempDirectory("ballast-mariadb-");
    }

    /** Creates a data directory in a new temporary directory and starts the server; fails naming what is missing. */
    public static MariaDbServer start() throws IOException {
        MariaDbServer db = new MariaDbServer(binary("mariadb-install-db"), binary("mariadbd"));
        try {
            List<String> install = new ArrayList<>(List.of(
                    db.installDb.toString(),
                    "--no-defaults",
                    "--datadir=" + db.data(),
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db"));
            if (runsAsRoot()) {
                db.run(List.of("chown", "-R", "mysql:mysql", db.directory.toString()));
                install.add("--user=mysql");
            }
            db.run(install);
            db.launch();
            return db;
        } catch (IOException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** The server's port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The JDBC URL of {@code database} on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
    }

    /** Creates {@code database} (a plain identifier). */
    public void createDatabase(String database) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl(""), "root", "");
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
        }
    }

    /** A new connection to {@code database} as {@code root}. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), "root", "");
    }

    /** SIGKILL to the server, as a lost machine; waits until it is gone. */
    public void kill() throws IOException {
        Optional<ProcessHandle> running = running();
        if (running.isEmpty()) {
            return;
        }
        try {
            UnixSignal.KILL.send(running.get().pid());
        } catch (IOException e) {
            if (running.get().isAlive()) {
                throw new IOException(e.getMessage() + "; mariadbd still running:\n" + log(), e);
            }
            // it exited between the look and the signal (kill finds no such process): what the signal was for
        }
        try {
            running.get().onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("mariadbd " + running.get().pid() + " did not exit after SIGKILL", e);
        }
    }

    /** Starts the server again on the same port and data (after {@link #kill()}: InnoDB crash recovery first). */
    public void restart() throws IOException {
        kill();
        launch();
    }

    /** SIGSTOP: connections stay open, nothing answers. */
    public void pause() throws IOException {
        UnixSignal.STOP.send(requireRunning().pid());
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() throws IOException {
        UnixSignal.CONT.send(requireRunning().pid());
    }

    /** The server's error log so far (for failure messages). */
    public String log() {
        try {
            return Files.readString(directory.resolve("error.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the server at once and deletes its directory. */
    @Override
    public void close() throws IOException {
        Optional<ProcessHandle> running = running();
        if (running.isPresent()) {
            UnixSignal.CONT.send(running.get().pid());
            kill();
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                server.toString(),
                "--no-defaults",
                "--datadir=" + data(),
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--socket=" + directory.resolve("mariadb.sock"),
                "--pid-file=" + directory.resolve("mariadb.pid"),
                "--log-error=" + directory.resolve("error.log"),
                "--skip-log-bin",
                "--innodb-buffer-pool-size=64M",
                "--innodb-flush-log-at-trx-commit=2",
                "--max-connections=300"));
        if (runsAsRoot()) {
            command.add("--user=mysql");
        }
        process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("stdout.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (!accepting()) {
            if (!process.isAlive()) {
                throw new IOException("mariadbd exited with " + process.exitValue() + " at start:\n" + log());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException(
                        "mariadbd did not accept connections within " + START_TIMEOUT_SECONDS + " s:\n" + log());
            }
            try {
                Thread.sleep(100); // polling a starting server's port, bounded above
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting mariadbd", e);
            }
        }
    }

    @SuppressWarnings("try") // the connection is opened only to see that the server accepts one
    private boolean accepting() {
        try (Connection ignored = DriverManager.getConnection(jdbcUrl(""), "root", "")) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private Path data() {
        return directory.resolve("data");
    }

    private ProcessHandle requireRunning() throws IOException {
        return running().orElseThrow(() -> new IOException("mariadbd on port " + port + " is not running"));
    }

    private Optional<ProcessHandle> running() {
        return process != null && process.isAlive() ? Optional.of(process.toHandle()) : Optional.empty();
    }

    private void run(List<String> command) throws IOException {
        Process started = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            if (!started.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                started.destroyForcibly();
                throw new IOException(
                        String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        String output = new String(started.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (started.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed with " + started.exitValue() + ":\n" + output);
        }
    }

    private static Path binary(String name) {
        return SEARCH.stream()
                .map(dir -> dir.resolve(name))
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " not found in " + SEARCH
                        + ": install the Debian package 'mariadb-server' (apt-get install mariadb-server)"));
    }

    private static boolean runsAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
