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

/**
 * A PostgreSQL cluster of the test's own ({@code initdb} + {@code pg_ctl} from {@code /usr/lib/postgresql/<v>/bin}) in
 * a temporary directory on a free loopback port, trust authentication for user {@code postgres}, that a test may crash
 * ({@code SIGKILL} of the postmaster and every backend), restart (crash recovery), freeze and thaw. Never touches the
 * machine's shared PostgreSQL. PostgreSQL refuses to run as root: when the tests do, the server runs as the {@code
 * postgres} user ({@code runuser}). Not thread-safe: drive it from the test thread.
 */
public final class PostgresServer implements AutoCloseable {

    private static final Path INSTALLATIONS = Path.of("/usr/lib/postgresql");
    private static final long COMMAND_TIMEOUT_SECONDS = 60;

    private final Path bin;
    private final Path directory;
    private final int port;

    private PostgresServer(Path bin) throws IOException {
        this.bin = bin;
        this.port = freePort();
        this.directory = Files.createTempDirectory("ballast-pg-");
    }

    /** Creates a cluster in a new temporary directory and starts it; fails naming what is missing if it cannot. */
    public static PostgresServer start() throws IOException {
        PostgresServer server = new PostgresServer(binaries());
        Path directory = server.directory;
        Path bin = server.bin;
        try {
            if (runsAsRoot()) {
                server.run(List.of("chown", "-R", "postgres:postgres", directory.toString()), false);
            }
            server.run(
                    List.of(
                            bin.resolve("initdb").toString(),
                            "-D",
                            server.data().toString(),
                            "-U",
                            "postgres",
                            "--auth=trust",
                            "-E",
                            "UTF8",
                            "--no-sync"),
                    true);
            server.launch();
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * Creates a streaming-replication standby of {@code primary} ({@code pg_basebackup -R}: a copy of its data with
     * the connection back to it) in a new temporary directory on a free port and starts it; it follows the primary
     * until {@link #promote()}. The primary's trust entries for replication on 127.0.0.1 ({@code initdb}'s defaults)
     * let it connect.
     */
    public static PostgresServer startStandby(PostgresServer primary) throws IOException {
        PostgresServer standby = new PostgresServer(primary.bin);
        try {
            if (runsAsRoot()) {
                standby.run(List.of("chown", "-R", "postgres:postgres", standby.directory.toString()), false);
            }
            standby.run(
                    List.of(
                            primary.bin.resolve("pg_basebackup").toString(),
                            "-h",
                            "127.0.0.1",
                            "-p",
                            Integer.toString(primary.port),
                            "-U",
                            "postgres",
                            "-D",
                            standby.data().toString(),
                            "-R",
                            "-X",
                            "stream",
                            // an immediate checkpoint: the default spread one waits most of checkpoint_timeout
                            "--checkpoint=fast",
                            "--no-sync"),
                    true);
            standby.launch();
            return standby;
        } catch (IOException | RuntimeException e) {
            standby.close();
            throw e;
        }
    }

    /**
     * Makes every commit on this primary wait until a standby has flushed it ({@code synchronous_standby_names = '*'},
     * {@code synchronous_commit} left at its default {@code on}), and waits up to 30 s until a standby streams
     * synchronously: from then on a commit the primary acknowledged survives its loss on the standby.
     */
    public void requireSynchronousStandby() throws SQLException, IOException {
        execute("postgres", "ALTER SYSTEM SET synchronous_standby_names = '*'");
        execute("postgres", "SELECT pg_reload_conf()");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        do {
            try (Connection connection = connect("postgres");
                    Statement statement = connection.createStatement();
                    var rows = statement.executeQuery(
                            "SELECT COUNT(*) FROM pg_stat_replication WHERE sync_state = 'sync'")) {
                rows.next();
                if (rows.getInt(1) > 0) {
                    return;
                }
            }
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for a synchronous standby", e);
            }
        } while (System.nanoTime() < deadline);
        throw new IOException(
                "no standby of the PostgreSQL on port " + port + " became synchronous within 30 s:\n" + log());
    }

    /**
     * Promotes this standby to a primary ({@code pg_ctl promote}), as an HA manager does after losing the primary;
     * returns once it accepts writes.
     */
    public void promote() throws IOException {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-w", "-t", "60", "promote"), true);
    }

    /** The server's port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The JDBC URL of {@code database} on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates {@code database} (a plain identifier). */
    public void createDatabase(String database) throws SQLException {
        execute("postgres", "CREATE DATABASE " + database);
    }

    /** Runs {@code sql} in {@code database} as {@code postgres}. */
    public void execute(String database, String sql) throws SQLException {
        try (Connection connection = connect(database);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** A new connection to {@code database} as {@code postgres}. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), "postgres", "");
    }

    /** SIGKILL to the postmaster and every backend at once, as a lost machine; waits until all are gone. */
    public void kill() throws IOException {
        Optional<ProcessHandle> postmaster = postmaster();
        if (postmaster.isEmpty()) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>(postmaster.get().descendants().toList());
        all.add(postmaster.get());
        UnixSignal.KILL.sendToTree(postmaster.get());
        for (ProcessHandle process : all) {
            try {
                process.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IOException("PostgreSQL process " + process.pid() + " did not exit after SIGKILL", e);
            }
        }
    }

    /** Starts the server again on the same port and data (after {@link #kill()}: crash recovery first). */
    public void restart() throws IOException {
        kill();
        launch();
    }

    /** SIGSTOP to the postmaster and every backend: connections stay open, nothing answers. */
    public void pause() throws IOException {
        UnixSignal.STOP.sendToTree(requirePostmaster());
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() throws IOException {
        UnixSignal.CONT.sendToTree(requirePostmaster());
    }

    /** The server log so far (for failure messages). */
    public String log() {
        try {
            return Files.readString(directory.resolve("server.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the server at once and deletes its directory. */
    @Override
    public void close() throws IOException {
        Optional<ProcessHandle> postmaster = postmaster();
        if (postmaster.isPresent()) {
            UnixSignal.CONT.sendToTree(postmaster.get());
            kill();
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private void launch() throws IOException {
        run(
                List.of(
                        bin.resolve("pg_ctl").toString(),
                        "-D",
                        data().toString(),
                        "-l",
                        directory.resolve("server.log").toString(),
                        "-o",
                        "-p " + port + " -k " + directory + " -c listen_addresses=127.0.0.1 -c fsync=off"
                                + " -c max_connections=200",
                        "-w",
                        "-t",
                        "60",
                        "start"),
                true);
    }

    private Path data() {
        return directory.resolve("data");
    }

    private ProcessHandle requirePostmaster() throws IOException {
        return postmaster().orElseThrow(() -> new IOException("PostgreSQL on port " + port + " is not running"));
    }

    private Optional<ProcessHandle> postmaster() throws IOException {
        Path pidFile = data().resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
        if (lines.isEmpty() || lines.get(0).isBlank()) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive);
    }

    private void run(List<String> command, boolean asPostgres) throws IOException {
        List<String> full = new ArrayList<>();
        if (asPostgres && runsAsRoot()) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        Process process = new ProcessBuilder(full)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(
                        String.join(" ", full) + " did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(
                    String.join(" ", full) + " failed with " + process.exitValue() + ":\n" + output + "\n" + log());
        }
    }

    private static Path binaries() {
        try (Stream<Path> versions = Files.list(INSTALLATIONS)) {
            return versions.map(version -> version.resolve("bin"))
                    .filter(dir ->
                            Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl")))
                    .max(Comparator.comparing(Path::toString))
                    .orElseThrow(PostgresServer::missing);
        } catch (IOException e) {
            throw missing();
        }
    }

    private static AssertionError missing() {
        return new AssertionError("initdb and pg_ctl not found under " + INSTALLATIONS
                + ": install the Debian package 'postgresql' (apt-get install postgresql)");
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
