package dev.ballast.example.brokerage.shutdown;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.catalina.connector.Connector;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServer;
import org.springframework.context.SmartLifecycle;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The first step of shutdown (e.g. on SIGTERM), before Spring Boot's graceful web server shutdown: stop accepting new
 * connections, but keep answering requests on connections already open, each with {@code Connection: close} so the
 * client's next request opens a connection elsewhere; then wait until no request is running and none arrived for
 * {@code quiet} (at most {@code timeout}). Only then does Spring Boot pause Tomcat, which would answer anything still
 * arriving with a bare 503, and stop it, which drops idle keep-alive connections.
 *
 * <p>Without this step, requests a client had already written on a kept-alive connection when Tomcat paused got a 503
 * or, once the connector stopped, no answer at all. What remains is the race every HTTP/1.1 server has: a client that
 * writes on a connection that sat idle through the whole drain while the server closes it.
 */
final class GracefulDrain extends OncePerRequestFilter implements SmartLifecycle {

    /** Before {@code WebServerGracefulShutdownLifecycle} (Integer.MAX_VALUE - 1024), after the outbox relay. */
    static final int PHASE = Integer.MAX_VALUE - 512;

    private static final Logger log = LoggerFactory.getLogger(GracefulDrain.class);

    private final WebServerSource webServer;
    private final Duration quiet;
    private final Duration timeout;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong lastStartNanos = new AtomicLong(System.nanoTime());
    private volatile boolean draining;
    private volatile boolean running;

    GracefulDrain(WebServerSource webServer, Duration quiet, Duration timeout) {
        this.webServer = webServer;
        this.quiet = quiet;
        this.timeout = timeout;
    }

    /** Where the running web server comes from (the context has it only after refresh). */
    interface WebServerSource {
        @Nullable
        WebServer get();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        inFlight.incrementAndGet();
        lastStartNanos.set(System.nanoTime());
        try {
            if (draining) {
                response.setHeader("Connection", "close");
            }
            chain.doFilter(request, response);
            if (draining && !response.isCommitted()) {
                response.setHeader("Connection", "close");
            }
        } finally {
            inFlight.decrementAndGet();
        }
    }

    @Override
    public void start() {
        draining = false;
        running = true;
    }

    /**
     * Not on a pause ({@code ConfigurableApplicationContext.pause()}, which the test framework uses on contexts it
     * caches): the web server keeps its port through a pause and is not re-bound afterwards, so closing its listeners
     * then would leave the restarted context refusing every connection. Draining is for shutdown.
     */
    @Override
    public boolean isPauseable() {
        return false;
    }

    @Override
    public void stop() {
        running = false;
        draining = true;
        long started = System.nanoTime();
        int closed = closeListeners();
        long deadline = started + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean idle = inFlight.get() == 0 && System.nanoTime() - lastStartNanos.get() >= quiet.toNanos();
            if (idle) {
                break;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        log.info(
                "Drained in {} ms: stopped accepting on {} connector(s), {} request(s) still running",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                closed,
                inFlight.get());
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Closes the listening sockets (new connections are refused) without pausing: open connections keep working. */
    private int closeListeners() {
        if (!(webServer.get() instanceof TomcatWebServer tomcat)) {
            return 0;
        }
        int closed = 0;
        for (Connector connector : tomcat.getTomcat().getService().findConnectors()) {
            connector.getProtocolHandler().closeServerSocketGraceful();
            closed++;
        }
        return closed;
    }
}
