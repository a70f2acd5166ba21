package dev.ballast.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh virtual host on the machine's RabbitMQ (127.0.0.1:5672, guest/guest) for one test class, created and
 * deleted with {@code rabbitmqctl}; {@code guest} gets full permissions on it. Register it as a JUnit 5 extension
 * ({@code @RegisterExtension static RabbitVirtualHost rabbit = RabbitVirtualHost.create();}). It can also close every
 * client connection to its virtual host from the server side, as a broker restart or an operator would. A missing
 * {@code rabbitmqctl} fails the test naming the package; if the server is stopped, {@code scripts/local-services}
 * starts it.
 */
public final class RabbitVirtualHost implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    private final String name = "ballast-test-" + UUID.randomUUID();
    private boolean created;

    private RabbitVirtualHost() {}

    /** A virtual host that is created by {@link #beforeAll} or {@link #createNow()}. */
    public static RabbitVirtualHost create() {
        return new RabbitVirtualHost();
    }

    /** The virtual host's name. */
    public String name() {
        return name;
    }

    /** The server's host. */
    public String host() {
        return "127.0.0.1";
    }

    /** The server's AMQP port. */
    public int port() {
        return 5672;
    }

    /** Creates the virtual host and grants {@code guest} full permissions on it. */
    public RabbitVirtualHost createNow() throws IOException {
        ctl("add_vhost", name);
        created = true;
        ctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*");
        return this;
    }

    /**
     * Closes every client connection to this virtual host from the server side ({@code rabbitmqctl close_connection});
     * returns how many were closed.
     */
    public int closeConnections(String reason) throws IOException {
        String listing = ctl("-q", "list_connections", "pid", "vhost");
        int closed = 0;
        for (String line : listing.split("\n")) {
            String[] columns = line.trim().split("\t");
            if (columns.length == 2 && columns[1].equals(name)) {
                ctl("close_connection", columns[0], reason);
                closed++;
            }
        }
        return closed;
    }

    /** The number of messages ready in {@code queue} of this virtual host. */
    public long messagesReady(String queue) throws IOException {
        String listing = ctl("-q", "list_queues", "-p", name, "name", "messages_ready");
        for (String line : listing.split("\n")) {
            String[] columns = line.trim().split("\t");
            if (columns.length == 2 && columns[0].equals(queue)) {
                return Long.parseLong(columns[1]);
            }
        }
        throw new IllegalStateException("no queue " + queue + " in virtual host " + name);
    }

    @Override
    public void close() throws IOException {
        if (created) {
            created = false;
            ctl("delete_vhost", name);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        createNow();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    private static String ctl(String... args) throws IOException {
        DebianTool tool = DebianTool.require("rabbitmqctl", "rabbitmq-server");
        List<String> command = new ArrayList<>();
        command.add(tool.binary().toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("rabbitmqctl " + String.join(" ", args) + " did not finish within 60 s");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException("rabbitmqctl " + String.join(" ", args) + " failed (" + process.exitValue()
                        + "); is RabbitMQ running? (scripts/local-services): " + text.strip());
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running rabbitmqctl", e);
        }
    }
}
