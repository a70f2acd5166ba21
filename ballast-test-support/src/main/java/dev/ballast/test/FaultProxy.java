package dev.ballast.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a free loopback port in front of one server, whose network faults a test switches at run time: latency
 * with jitter, a bandwidth cap, a blackhole (nothing moves until healed, as when packets are dropped and TCP keeps
 * retransmitting), resets (RST) of open and new connections, hang-ups of new connections (closed before any byte), and
 * half-open connections (the server side vanishes without a FIN; the client is never told). This kernel has no {@code netem}, so the faults come from here.
 *
 * <p>Threads: one virtual thread accepts; each connection has a reader and a writer per direction. The fault state is
 * one immutable {@link Faults} value in a volatile field, read by the pumps at every chunk. Thread-safe.
 */
public final class FaultProxy implements AutoCloseable {

    private static final int CHUNK = 8192;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicInteger hangUps = new AtomicInteger();
    private volatile Faults faults = Faults.NONE;
    private volatile boolean closed;

    private FaultProxy(InetSocketAddress target, ServerSocket server) {
        this.target = target;
        this.server = server;
    }

    /** A proxy on a free port of 127.0.0.1 forwarding to {@code 127.0.0.1:targetPort}, passing everything through. */
    public static FaultProxy start(int targetPort) throws IOException {
        return start(InetAddress.getLoopbackAddress(), targetPort);
    }

    /**
     * A proxy on a free port of {@code listen} (a private address, e.g. a {@link NetworkNamespace}'s host side)
     * forwarding to {@code 127.0.0.1:targetPort}.
     */
    public static FaultProxy start(InetAddress listen, int targetPort) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, listen);
        FaultProxy proxy = new FaultProxy(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), server);
        Thread.ofVirtual().name("fault-proxy-accept-" + server.getLocalPort()).start(proxy::acceptLoop);
        return proxy;
    }

    /** The port clients connect to instead of the server's. */
    public int port() {
        return server.getLocalPort();
    }

    /** Every chunk in both directions is held {@code base} plus a uniform random part of {@code jitter}, in order. */
    public void latency(Duration base, Duration jitter) {
        if (base.isNegative() || jitter.isNegative()) {
            throw new IllegalArgumentException("latency and jitter must not be negative, were " + base + ", " + jitter);
        }
        faults = faults.withLatency(base.toNanos(), jitter.toNanos());
    }

    /** At most {@code bytesPerSecond} per direction and connection; 0 lifts the cap. */
    public void bandwidth(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond must not be negative, was " + bytesPerSecond);
        }
        faults = faults.withBandwidth(bytesPerSecond);
    }

    /**
     * Nothing moves on open or new connections (new ones are accepted, as a SYN queue would); what was sent is
     * delivered, in order, once {@link #heal()} is called, unless a side gave up first.
     */
    public void blackhole() {
        faults = faults.withBlackhole(true);
    }

    /** Resets (RST) every open connection now, both sides, and every new one while {@code refuseNew} holds. */
    public void reset(boolean refuseNew) {
        faults = faults.withRefuse(refuseNew);
        for (Link link : links) {
            link.reset();
        }
    }

    /**
     * Every open connection loses its server side silently: the server's socket is closed, the client's stays open,
     * what the client sends is swallowed and it never gets an answer, a FIN or a RST. New connections are not affected.
     */
    public void halfOpen() {
        for (Link link : links) {
            link.abandon();
        }
    }

    /**
     * The next {@code count} new connections are accepted and closed at once (a FIN before any byte), as a server that
     * hangs up during a client's handshake; the ones after pass through. Adds to any count not yet used up.
     */
    public void hangUpOnNext(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, was " + count);
        }
        hangUps.addAndGet(count);
    }

    /** Back to passing everything through at once; held data moves on. */
    public void heal() {
        faults = Faults.NONE;
    }

    /** Connections currently open through the proxy. */
    public int openConnections() {
        return links.size();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Link link : links) {
            link.reset();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (faults.refuse()) {
                resetQuietly(client);
                continue;
            }
            if (hangUps.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                closeQuietly(client);
                continue;
            }
            Thread.ofVirtual().name("fault-proxy-connect").start(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        Socket upstream = new Socket();
        try {
            upstream.connect(target, 5_000);
        } catch (IOException e) {
            resetQuietly(client);
            closeQuietly(upstream);
            return;
        }
        Link link = new Link(client, upstream);
        links.add(link);
        link.start();
    }

    /** The fault state: immutable, replaced as a whole. */
    private record Faults(long latencyNanos, long jitterNanos, long bytesPerSecond, boolean blackhole, boolean refuse) {
        static final Faults NONE = new Faults(0, 0, 0, false, false);

        Faults withLatency(long latency, long jitter) {
            return new Faults(latency, jitter, bytesPerSecond, blackhole, refuse);
        }

        Faults withBandwidth(long rate) {
            return new Faults(latencyNanos, jitterNanos, rate, blackhole, refuse);
        }

        Faults withBlackhole(boolean on) {
            return new Faults(latencyNanos, jitterNanos, bytesPerSecond, on, refuse);
        }

        Faults withRefuse(boolean on) {
            return new Faults(latencyNanos, jitterNanos, bytesPerSecond, blackhole, on);
        }

        long delayNanos() {
            return jitterNanos == 0
                    ? latencyNanos
                    : latencyNanos + ThreadLocalRandom.current().nextLong(jitterNanos);
        }
    }

    /** A chunk of bytes due for delivery at {@code dueNanos}; an empty chunk is the end of the stream. */
    @SuppressWarnings("ArrayRecordComponent") // a queue element, never compared
    private record Chunk(byte[] bytes, long dueNanos) {}

    /** One proxied connection: a client socket, an upstream socket, and a pump per direction. */
    private final class Link {
        private final Socket client;
        private final Socket upstream;
        private volatile boolean abandoned;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            pump(client, upstream, "up");
            pump(upstream, client, "down");
        }

        void reset() {
            resetQuietly(client);
            resetQuietly(upstream);
            links.remove(this);
        }

        void abandon() {
            abandoned = true;
            closeQuietly(upstream);
        }

        private void pump(Socket from, Socket to, String direction) {
            BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
            Thread.ofVirtual().name("fault-proxy-read-" + direction).start(() -> read(from, queue));
            Thread.ofVirtual().name("fault-proxy-write-" + direction).start(() -> write(queue, to));
        }

        private void read(Socket from, BlockingQueue<Chunk> queue) {
            long lastDue = 0;
            byte[] buffer = new byte[CHUNK];
            try (InputStream in = from.getInputStream()) {
                while (true) {
                    awaitFlow();
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    long due = Math.max(lastDue, System.nanoTime() + faults.delayNanos());
                    lastDue = due;
                    queue.add(new Chunk(Arrays.copyOf(buffer, n), due));
                }
            } catch (IOException | InterruptedException e) {
                // the socket was closed or reset: end of this direction
            }
            queue.add(new Chunk(new byte[0], lastDue));
        }

        private void write(BlockingQueue<Chunk> queue, Socket to) {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk chunk = queue.take();
                    sleepUntil(chunk.dueNanos());
                    awaitFlow();
                    if (chunk.bytes().length == 0) {
                        if (!abandoned) {
                            to.shutdownOutput();
                        }
                        break;
                    }
                    if (abandoned) {
                        continue; // swallowed: the other side is gone without a word
                    }
                    writeCapped(out, chunk.bytes());
                }
            } catch (IOException | InterruptedException e) {
                // closed or reset
            }
            if (!abandoned) {
                links.remove(this);
            }
        }

        private void writeCapped(OutputStream out, byte[] bytes) throws IOException, InterruptedException {
            long rate = faults.bytesPerSecond();
            if (rate == 0) {
                out.write(bytes);
                out.flush();
                return;
            }
            int slice = (int) Math.max(1, Math.min(bytes.length, rate / 50));
            for (int offset = 0; offset < bytes.length; offset += slice) {
                int n = Math.min(slice, bytes.length - offset);
                long started = System.nanoTime();
                out.write(bytes, offset, n);
                out.flush();
                sleepUntil(started + TimeUnit.SECONDS.toNanos(n) / Math.max(1, faults.bytesPerSecond()));
            }
        }

        private void awaitFlow() throws InterruptedException {
            while (faults.blackhole() && !closed) {
                Thread.sleep(Duration.ofNanos(POLL_NANOS));
            }
        }
    }

    private static void sleepUntil(long dueNanos) throws InterruptedException {
        long wait = dueNanos - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(Duration.ofNanos(wait));
        }
    }

    private static void resetQuietly(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
