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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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

    /** The slow clients: a timer drips one header byte per second into each connection, never finishing a request. */
    private static final class Loris {
        private static final byte[] REQUEST = ("GET /api/quotes/AAPL HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                        + "a".repeat(200))
                .getBytes(StandardCharsets.US_ASCII);

        private final int port;
        private final AtomicInteger open = new AtomicInteger();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final List<Socket> sockets = new ArrayList<>();

        Loris(int port) {
            this.port = port;
        }

        void start() throws IOException {
            for (int i = 0; i < LORIS_CONNECTIONS; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
                sockets.add(socket);
                Drip drip = new Drip(socket.getOutputStream());
                timer.scheduleAtFixedRate(drip::next, 0, 1, TimeUnit.SECONDS);
            }
        }

        void stop() throws Exception {
            timer.shutdownNow();
            if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the slow clients did not stop within 5 s");
            }
            for (Socket socket : sockets) {
                socket.close();
            }
        }

        /** One connection's progress through the request; counted open from its first byte until the server drops it. */
        private final class Drip {
            private final OutputStream out;
            private int sent;

            Drip(OutputStream out) {
                this.out = out;
            }

            void next() {
                if (sent == REQUEST.length) {
                    throw new IllegalStateException("request complete"); // ends this connection's schedule
                }
                try {
                    out.write(REQUEST[sent]);
                    out.flush();
                } catch (IOException closedByServer) {
                    if (sent > 0) {
                        open.decrementAndGet();
                    }
                    throw new IllegalStateException(closedByServer); // ends this connection's schedule
                }
                if (sent++ == 0) {
                    open.incrementAndGet();
                }
            }
        }
    }
}
