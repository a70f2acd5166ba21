package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BoundedLatency;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.ServerErrorBudget;
import dev.ballast.test.ChildService;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Slow-loris clients: hundreds of connections that send a request's headers one byte at a time and never finish.
 * Hypothesis: they cost the instance a connection each, not a worker, and other clients are served as quickly as
 * before.
 */
@ExtendWith(ChaosReport.class)
class SlowLorisScenario {

    private static final int LORIS_CONNECTIONS = 400;

    @Test
    @DisplayName("(24) slow-loris clients")
    void otherClientsAreServedWhileSlowClientsHoldConnections(Scenario scenario) throws Exception {
        scenario.fault(LORIS_CONNECTIONS + " connections sending headers one byte per second for 10 s");
        try (BrokerageCluster cluster =
                BrokerageCluster.builder("slow-loris").instances(1).start()) {
            ChildService instance = cluster.instances().getFirst();
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
            Loris loris = new Loris(instance.port());
            try (Load load = Load.start(history, 4, workload::quote)) {
                new FaultWindow(200, Duration.ofSeconds(10), 100).run(history, load, loris::start, loris::stop);
            }
            scenario.verify(
                    history,
                    new ServerErrorBudget(0),
                    new BoundedLatency("quote", Duration.ofSeconds(2)),
                    ignored -> Check.of(
                            "the slow connections were held open",
                            loris.open.get() >= LORIS_CONNECTIONS / 2,
                            loris.open.get() + " of " + LORIS_CONNECTIONS + " still open at the end"));
        }
    }

    /** The slow clients: one virtual thread per connection, a header byte per second. */
    private static final class Loris {
        private final int port;
        private final AtomicBoolean running = new AtomicBoolean();
        private final AtomicInteger open = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>();
        private final List<Socket> sockets = new ArrayList<>();

        Loris(int port) {
            this.port = port;
        }

        void start() throws IOException {
            running.set(true);
            for (int i = 0; i < LORIS_CONNECTIONS; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
                sockets.add(socket);
                threads.add(Thread.ofVirtual().start(() -> drip(socket)));
            }
        }

        void stop() throws Exception {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(5));
            }
            for (Socket socket : sockets) {
                socket.close();
            }
        }

        private void drip(Socket socket) {
            byte[] request = ("GET /api/quotes/AAPL HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(200))
                    .getBytes(StandardCharsets.US_ASCII);
            boolean counted = false;
            try {
                OutputStream out = socket.getOutputStream();
                for (int i = 0; i < request.length && running.get(); i++) {
                    out.write(request[i]);
                    out.flush();
                    if (!counted) {
                        open.incrementAndGet();
                        counted = true;
                    }
                    Thread.sleep(1_000);
                }
            } catch (IOException | InterruptedException closedByServer) {
                if (counted) {
                    open.decrementAndGet();
                }
            }
        }
    }
}
