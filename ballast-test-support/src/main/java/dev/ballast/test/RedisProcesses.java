package dev.ballast.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** redis-cli calls, signals and bounded waits shared by the multi-process Redis extensions. */
final class RedisProcesses {

    private RedisProcesses() {}

    /**
     * Starts {@code redis-server} on {@code port} (loopback only) in the foreground with {@code options}, in {@code dir}
     * with its log there and no persistence; its output is discarded.
     */
    static Process startServer(int port, Path dir, String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port)));
        command.addAll(List.of("--bind", "127.0.0.1", "--daemonize", "no"));
        command.addAll(List.of(
                "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString()));
        command.addAll(List.of("--save", "", "--appendonly", "no"));
        command.addAll(List.of(options));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    static String cli(int port, String... command) throws IOException {
        List<String> line = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        line.addAll(List.of(command));
        return run(5_000, line.toArray(String[]::new));
    }

    static String run(long timeoutMillis, String... command) throws IOException {
        Path output = Files.createTempFile("ballast-redis-cli-", ".out");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeoutMillis + " ms");
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": " + text);
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command[0], e);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    static void signal(Process process, String name) throws IOException {
        run(5_000, "kill", "-" + name, Long.toString(process.pid()));
    }

    static void kill(Process process) throws IOException {
        process.destroyForcibly(); // SIGKILL on Linux
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IOException("redis-server " + process.pid() + " did not exit after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for redis-server to exit", e);
        }
    }

    interface Check {
        boolean holds() throws IOException;
    }

    static void awaitCondition(long timeoutMillis, String what, Check check) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        IOException last = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                if (check.holds()) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting until " + what, e);
            }
        }
        throw new IOException("not within " + timeoutMillis + " ms: " + what, last);
    }

    /** From {@code INFO replication} of a primary: its {@code master_repl_offset}, then each replica's offset. */
    static List<Long> replicationOffsets(int primaryPort) throws IOException {
        List<Long> offsets = new ArrayList<>(List.of(-1L));
        for (String line : cli(primaryPort, "INFO", "replication").split("\\r?\\n")) {
            if (line.startsWith("master_repl_offset:")) {
                offsets.set(
                        0,
                        Long.parseLong(
                                line.substring("master_repl_offset:".length()).trim()));
            } else if (line.startsWith("slave") && line.contains("offset=")) {
                for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
                    if (field.startsWith("offset=")) {
                        offsets.add(Long.parseLong(field.substring("offset=".length())));
                    }
                }
            }
        }
        return offsets;
    }
}
