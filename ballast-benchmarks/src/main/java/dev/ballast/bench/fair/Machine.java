package dev.ballast.bench.fair;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The machine a suite ran on, printed at the top of its result file: CPU, cores, JDK, and the servers' settings. */
public final class Machine {

    private Machine() {}

    public static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    /** Prints the description; {@code postgres} and {@code redis} say which servers the suite uses. */
    public static void describe(boolean postgres, boolean redis) {
        System.out.println("# machine");
        System.out.println(
                "cpu: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores visible to the JVM");
        System.out.println("memory: " + memTotal());
        System.out.println("os: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        System.out.println("jdk: " + System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name")
                + " " + Runtime.version());
        if (postgres) {
            System.out.println("postgresql: " + postgres());
        }
        if (redis) {
            System.out.println("redis: " + redis());
        }
        System.out.println();
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch") + " (model unknown)";
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return "unknown";
    }

    private static String postgres() {
        List<String> parts = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(POSTGRES_URL, "postgres", "");
                Statement statement = connection.createStatement()) {
            try (ResultSet row = statement.executeQuery("SELECT version()")) {
                row.next();
                parts.add(row.getString(1));
            }
            for (String setting : List.of(
                    "synchronous_commit",
                    "fsync",
                    "wal_sync_method",
                    "shared_buffers",
                    "max_connections",
                    "wal_level",
                    "max_wal_size",
                    "checkpoint_timeout",
                    "autovacuum",
                    "work_mem")) {
                try (ResultSet row = statement.executeQuery("SHOW " + setting)) {
                    row.next();
                    parts.add(setting + "=" + row.getString(1));
                }
            }
        } catch (Exception e) {
            parts.add("unreachable: " + e.getClass().getSimpleName());
        }
        return String.join(", ", parts);
    }

    @SuppressWarnings("AddressSelection") // a literal loopback IP: there is no name to resolve
    private static String redis() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 6379), 2000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            String info = command(out, in, "INFO server");
            String version = "?";
            for (String line : info.split("\r\n")) {
                if (line.startsWith("redis_version:")) {
                    version = line.substring("redis_version:".length());
                }
            }
            List<String> parts = new ArrayList<>();
            parts.add(version);
            for (String setting : List.of("appendonly", "save", "maxmemory", "io-threads")) {
                String[] reply = command(out, in, "CONFIG GET " + setting).split("\r\n");
                // *2 $n name $m value
                parts.add(setting + "=" + (reply.length >= 5 ? reply[4] : "?"));
            }
            return String.join(", ", parts);
        } catch (IOException e) {
            return "unreachable: " + e.getClass().getSimpleName();
        }
    }

    /** Sends an inline command and reads one reply (a bulk string or a short array), enough for INFO/CONFIG GET. */
    private static String command(OutputStream out, InputStream in, String command) throws IOException {
        out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        byte[] buffer = new byte[65536];
        int read = in.read(buffer);
        StringBuilder reply = new StringBuilder(new String(buffer, 0, Math.max(0, read), StandardCharsets.UTF_8));
        if (reply.charAt(0) == '$') { // a bulk reply: read until the announced length arrived
            int length = Integer.parseInt(reply.substring(1, reply.indexOf("\r\n")));
            int headerLength = reply.indexOf("\r\n") + 2;
            while (reply.toString().getBytes(StandardCharsets.UTF_8).length < headerLength + length + 2) {
                int more = in.read(buffer);
                if (more < 0) {
                    break;
                }
                reply.append(new String(buffer, 0, more, StandardCharsets.UTF_8));
            }
        }
        return reply.toString();
    }
}
