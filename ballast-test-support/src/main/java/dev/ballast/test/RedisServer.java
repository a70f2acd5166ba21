package dev.ballast.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A {@code redis-server} of the test's own, on a free loopback port, without persistence, that a test may kill, restart
 * on the same port, pause ({@code SIGSTOP}) and resume. Never touches the machine's shared Redis. Not thread-safe: drive
 * it from the test thread.
 */
public final class RedisServer implements AutoCloseable {

    private static final long START_TIMEOUT_MILLIS = 10_000;

    private final int port;
    private final Path logFile;
    private @Nullable Process process;

    private RedisServer(int port) throws IOException {
        this.port = port;
        this.logFile = Files.createTempFile("ballast-redis-" + port + "-", ".log");
    }

    /** Starts a server on a free port and waits until it answers PING. */
    public static RedisServer start() throws IOException {
        RedisServer server = new RedisServer(freePort());
        server.launch();
        return server;
    }

    /**
     * A free port for a server that is not running yet: nothing answers there until {@link #restart()} starts it (for
     * tests of what happens when Redis is down, or not up yet, when a client starts).
     */
    public static RedisServer onFreePort() throws IOException {
        return new RedisServer(freePort());
    }

    /** The server's port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** The number of keys the server holds ({@code DBSIZE}); fails if it does not answer within 1 s. */
    public long keyCount() throws IOException {
        String reply = command("DBSIZE", 1_000);
        if (reply.isEmpty() || reply.charAt(0) != ':') {
            throw new IOException("unexpected DBSIZE reply: " + reply);
        }
        return Long.parseLong(reply.substring(1));
    }

    /** Kills the server with SIGKILL (its data is lost: there is no persistence) and waits for it to exit. */
    public void kill() throws IOException {
        if (process != null && process.isAlive()) {
            signal("KILL");
            waitForExit();
        }
    }

    /** Starts the server (again) on its port, empty, and waits until it answers. */
    public void restart() throws IOException {
        kill();
        launch();
    }

    /** Freezes the server with SIGSTOP: connections stay open but nothing answers. */
    public void pause() throws IOException {
        signal("STOP");
    }

    /** Resumes a paused server with SIGCONT. */
    public void resume() throws IOException {
        signal("CONT");
    }

    @Override
    public void close() throws IOException {
        if (process != null && process.isAlive()) {
            signal("CONT");
            kill();
        }
        Files.deleteIfExists(logFile);
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(
                        "redis-server",
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--daemonize",
                        "no",
                        "--logfile",
                        logFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (!answersPing()) {
            if (!process.isAlive()) {
                throw new IOException("redis-server on port " + port + " exited at start with " + process.exitValue()
                        + "; see " + logFile);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("redis-server on port " + port + " did not answer within " + START_TIMEOUT_MILLIS
                        + " ms; see " + logFile);
            }
            sleep(20);
        }
    }

    private boolean answersPing() {
        try {
            return command("PING", 500).equals("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends an inline command on a new connection and returns the first line of the reply. */
    private String command(String command, int timeoutMillis) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder reply = new StringBuilder();
            InputStream in = socket.getInputStream();
            for (int c = in.read(); c != '\r'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("redis-server on port " + port + " closed the connection");
                }
                reply.append((char) c);
            }
            return reply.toString();
        }
    }

    private void signal(String name) throws IOException {
        UnixSignal.valueOf(name).send(Objects.requireNonNull(process, "started").pid());
    }

    private void waitForExit() throws IOException {
        try {
            if (!Objects.requireNonNull(process, "started").waitFor(10, TimeUnit.SECONDS)) {
                throw new IOException("redis-server on port " + port + " did not exit after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for redis-server to exit", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for redis-server", e);
        }
    }
}
