package dev.ballast.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy's faults against a real echo server on loopback, switched while connections are open. */
class FaultProxyTest {

    private ServerSocket echo;
    private FaultProxy proxy;

    @BeforeEach
    void startEchoServerBehindProxy() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket socket = echo.accept();
                    Thread.ofVirtual().start(() -> echoAll(socket));
                } catch (IOException closed) {
                    return;
                }
            }
        });
        proxy = FaultProxy.start(echo.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    @Test
    void passesBytesThroughBothWaysWhenHealthy() throws IOException {
        try (Socket client = connect()) {
            assertThat(roundTrip(client, "hello")).isEqualTo("hello");
        }
    }

    @Test
    void latencyDelaysEveryRoundTripByAtLeastTheBaseBothWays() throws IOException {
        try (Socket client = connect()) {
            proxy.latency(Duration.ofMillis(150), Duration.ofMillis(50));
            long started = System.nanoTime();
            assertThat(roundTrip(client, "slow")).isEqualTo("slow");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void blackholeHoldsDataOnAnOpenConnectionUntilHealedThenDeliversItInOrder() throws IOException {
        try (Socket client = connect()) {
            assertThat(roundTrip(client, "a")).isEqualTo("a");
            proxy.blackhole();
            client.getOutputStream().write("held".getBytes(StandardCharsets.US_ASCII));
            client.setSoTimeout(300);
            assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            proxy.heal();
            client.setSoTimeout(5_000);
            assertThat(new String(client.getInputStream().readNBytes(4), StandardCharsets.US_ASCII))
                    .isEqualTo("held");
        }
    }

    @Test
    void resetBreaksOpenConnectionsAndRefusesNewOnesUntilHealed() throws IOException {
        try (Socket client = connect()) {
            assertThat(roundTrip(client, "a")).isEqualTo("a");
            proxy.reset(true);
            client.setSoTimeout(5_000);
            assertThatThrownBy(() -> {
                        client.getOutputStream().write('x');
                        if (client.getInputStream().read() < 0) {
                            throw new SocketException("closed");
                        }
                    })
                    .isInstanceOf(SocketException.class);
        }
        try (Socket refused = connect()) {
            refused.setSoTimeout(5_000);
            assertThat(readOrReset(refused)).isEqualTo("reset");
        }
        proxy.heal();
        try (Socket client = connect()) {
            assertThat(roundTrip(client, "back")).isEqualTo("back");
        }
    }

    @Test
    void halfOpenConnectionNeverAnswersNorClosesWhileNewConnectionsWork() throws IOException {
        try (Socket client = connect()) {
            assertThat(roundTrip(client, "a")).isEqualTo("a");
            proxy.halfOpen();
            client.getOutputStream().write("lost".getBytes(StandardCharsets.US_ASCII));
            client.setSoTimeout(500);
            assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            try (Socket fresh = connect()) {
                assertThat(roundTrip(fresh, "fresh")).isEqualTo("fresh");
            }
        }
    }

    @Test
    void bandwidthCapSlowsABulkTransfer() throws IOException {
        proxy.bandwidth(100_000);
        try (Socket client = connect()) {
            byte[] bulk = new byte[60_000];
            long started = System.nanoTime();
            Thread.ofVirtual().start(() -> {
                try {
                    client.getOutputStream().write(bulk);
                } catch (IOException ignored) {
                    // the read below fails
                }
            });
            client.setSoTimeout(10_000);
            assertThat(client.getInputStream().readNBytes(bulk.length)).hasSize(bulk.length);
            // 60 kB each way through a 100 kB/s cap: at least 0.5 s
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        }
    }

    private Socket connect() throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    }

    private static String roundTrip(Socket client, String text) throws IOException {
        client.setSoTimeout(5_000);
        OutputStream out = client.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return new String(client.getInputStream().readNBytes(text.length()), StandardCharsets.US_ASCII);
    }

    private static String readOrReset(Socket socket) {
        try {
            return socket.getInputStream().read() < 0 ? "closed" : "data";
        } catch (IOException e) {
            return "reset";
        }
    }

    private static void echoAll(Socket socket) {
        try (socket;
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the client or the proxy went away
        }
    }
}
