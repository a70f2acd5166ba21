package dev.ballast.cache;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The breaker in front of one cache's two connections to Redis (commands, and pub/sub on the cache's channel; opened
 * and replaced by {@link RedisConnections}).
 * No call throws: a failed call is counted, logged (rate-limited) and answered with null; {@value #FAILURE_THRESHOLD}
 * failures in a row open the breaker (a WARNING alert once the first probe, a second later, finds Redis still failing), after which Redis is not called until the probe closes it
 * again (INFO alert). The probe closes it only when both connections work, replacing either with a fresh one when
 * Lettuce has not reconnected it yet (its reconnect back-off grows to seconds), so recovery never waits for that
 * back-off and no waiter waits for a signal that cannot arrive.
 *
 * <p>The client is a standalone {@link RedisClient} (also when its URI names Sentinels: Lettuce then asks them for
 * the primary on every (re)connect) or a {@link RedisClusterClient}, whose command connection routes each call to the
 * primary of its key's slot and whose pub/sub connection subscribes on one node (classic pub/sub: a message published
 * on any node reaches every node's subscribers).
 *
 * <p>Concurrency: {@link #call} runs on callers' threads, refresh threads and the scheduler; the connections are
 * replaced only on the scheduler thread (the probe and the check), or before {@link #start} returns (see
 * {@link RedisConnections}); the breaker guards its own state. The {@link Listener} is called on Lettuce's threads (messages, re-subscription), the
 * scheduler (probe, checks) and callers' threads (breaker opening).
 */
final class RedisLink implements AutoCloseable {

    /** What the link tells the invalidation channel; must not block. Each event is ignored unless overridden. */
    interface Listener {
        default void message(byte[] raw) {}

        /** Lettuce re-subscribed after a reconnect: messages in between are lost. */
        default void resubscribed() {}

        /** The breaker opened. */
        default void opened() {}

        /** The breaker closed; the invalidation counter reads {@code counter}. */
        default void recovered(long counter) {}

        /** Periodic, while the breaker is closed: compare the invalidation counter with the messages that came. */
        default void check() {}
    }

    /** A Redis call. */
    interface Call<T> {
        @Nullable
        T run(RedisClusterCommands<String, byte[]> redis);
    }

    static final int FAILURE_THRESHOLD = 3;
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    private static final Logger log = LoggerFactory.getLogger(RedisLink.class);

    /** Start-up connection attempts while the connection is closed during the handshake (see connectAtStart). */
    private static final int HANDSHAKE_ATTEMPTS = 3;

    private static final String UNAVAILABLE = "Redis L2 unavailable";
    private static final String HELD = "Redis L2 held open by an operator";

    private final CacheSettings settings;
    private final RedisKeys keys;
    private final AlertSink alerts;
    private final CacheMeters meters;
    private final L2Breaker breaker = new L2Breaker(FAILURE_THRESHOLD);

    /** The most lease give-backs kept while the breaker is open; beyond, the leases are left to expire. */
    static final int MAX_OWED = 10_000;

    /**
     * Give-backs of leases this instance holds but could not fill or release because the breaker was open: sent by
     * the probe, before the breaker closes, so no caller of the key waits for a lease nobody will fill.
     */
    private final ConcurrentLinkedQueue<Call<?>> owed = new ConcurrentLinkedQueue<>();

    private final AtomicInteger owedCount = new AtomicInteger();
    private final AtomicLong failures = new AtomicLong();
    private volatile Listener listener = new Listener() {};
    private final RedisConnections connections;
    private volatile boolean closed;
    private volatile boolean held;
    /** The title the open breaker's alert was sent with, so that its resolution carries the same one. */
    private volatile String openedAs = UNAVAILABLE;

    /**
     * The WARNING of a breaker that failures opened, not sent yet: the first probe sends it if Redis still fails, and
     * drops it if Redis answers. A breaker a moment's failures opened (a cold JVM's first burst timing out a few 250 ms
     * commands on a healthy Redis) is closed by that probe within a second and raises no alert, as a Prometheus rule's
     * {@code for:} would not fire; an outage still alerts, one probe (about a second) later.
     */
    private final AtomicReference<@Nullable Alert> unconfirmed = new AtomicReference<>();

    /** Whether this opening's WARNING went out, so that closing sends its resolution (and only then). */
    private volatile boolean alerted;

    /** When this opening began ({@link System#nanoTime()}), for the log line of a breaker closed without an alert. */
    private volatile long openedAtNanos;

    private @Nullable ScheduledExecutorService scheduler;

    /**
     * Opens the command connection. If Redis does not answer (down, or not up yet, while the application starts), the
     * breaker opens at once: the cache starts degraded, served from L1 and the loader, and the probe connects and closes
     * it when Redis answers.
     */
    RedisLink(
            AbstractRedisClient client, CacheSettings settings, RedisKeys keys, AlertSink alerts, CacheMeters meters) {
        this.settings = settings;
        this.keys = keys;
        this.alerts = alerts;
        this.meters = meters;
        this.connections =
                new RedisConnections(client, settings.l2Timeout(), keys.channel(), new RedisConnections.Events() {
                    @Override
                    public void message(byte[] raw) {
                        listener.message(raw);
                    }

                    @Override
                    public void resubscribed() {
                        listener.resubscribed();
                    }

                    @Override
                    public void subscribeFailed(RuntimeException e) {
                        failed("SUBSCRIBE", e); // retried by the scheduler
                    }
                });
        meters.breakerGauge(breaker::state);
        RuntimeException e = connectAtStart();
        if (e != null) {
            meters.l2Error("CONNECT");
            failures.incrementAndGet();
            breaker.forceOpen();
            String refusal = credentialsRefusal(e);
            log.warn(
                    "Cache '{}': Redis L2 unreachable at start-up ({}{}); breaker open, serving from L1 and the loader;"
                            + " Redis is probed every {} s",
                    settings.name(),
                    e.toString(),
                    refusal == null
                            ? ""
                            : "; Redis refused the credentials: " + refusal + "; check the user name and password the"
                                    + " Redis client is given (spring.data.redis.* with the starter; not shown)",
                    CHECK_INTERVAL.toSeconds());
            openedAs = UNAVAILABLE;
            openedUnconfirmed(breakerOpen(
                    UNAVAILABLE,
                    "Redis did not answer when the cache started ("
                            + e.getClass().getSimpleName() + "). Callers are"
                            + " served from L1 and the loader; Redis is probed every " + CHECK_INTERVAL.toSeconds()
                            + " s and used again once it answers."));
        }
    }

    /**
     * Connects; null when connected, else why not. A connection closed (or reset) during the handshake is tried again,
     * {@value #HANDSHAKE_ATTEMPTS} attempts in all; a refused or timed-out one is not. Lettuce
     * closes the channel itself when the server refuses the handshake (WRONGPASS, NOAUTH) and, when its close wins the
     * race with the refusal, reports only "Connection closed prematurely", losing the server's words; and a server
     * that hung up once (a restart, a proxy) is usually there the second time.
     */
    private @Nullable RuntimeException connectAtStart() {
        RuntimeException failure = null;
        for (int attempt = 0; attempt < HANDSHAKE_ATTEMPTS; attempt++) {
            try {
                connections.connect();
                return null;
            } catch (RuntimeException e) {
                failure = e;
                if (!closedDuringHandshake(e)) {
                    break;
                }
            }
        }
        return failure;
    }

    /**
     * Whether the server hung up after the connection was made (closed, reset, a broken pipe, or Lettuce's "Connection
     * closed prematurely"), without Redis's words: not refused, not an unknown host, not a timeout, not a credentials
     * refusal already named.
     */
    private static boolean closedDuringHandshake(Throwable failure) {
        if (credentialsRefusal(failure) != null) {
            return false;
        }
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 10; depth++) {
            if (current instanceof java.net.ConnectException
                    || current instanceof java.net.UnknownHostException
                    || current instanceof java.util.concurrent.TimeoutException
                    || current instanceof io.lettuce.core.RedisCommandTimeoutException) {
                return false;
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        return true;
    }

    /** The cache's channel on this client's database ({@link RedisConnections#channel()}): publish there. */
    String channel() {
        return connections.channel();
    }

    /** Subscribes for {@code listener} and starts the periodic probe/check on {@code scheduler}. */
    void start(Listener listener, ScheduledExecutorService scheduler) {
        this.listener = listener;
        this.scheduler = scheduler;
        if (breaker.closed()) {
            connections.subscribe(); // else the probe subscribes once Redis answers
        }
        long every = CHECK_INTERVAL.toMillis();
        var unused = scheduler.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    boolean available() {
        return breaker.closed();
    }

    TieredCache.L2Status status() {
        if (!breaker.closed()) {
            return TieredCache.L2Status.BREAKER_OPEN;
        }
        return connections.commandsOpen() ? TieredCache.L2Status.UP : TieredCache.L2Status.DISCONNECTED;
    }

    /** Whether a message can reach this instance: the breaker is closed and the pub/sub connection is connected. */
    boolean signalsFlowing() {
        return breaker.closed() && connections.pubSubOpen();
    }

    /** Runs {@code body} on the command connection; null if the breaker is open or the call failed. */
    <T> @Nullable T call(String operation, Call<T> body) {
        return call(operation, body, null);
    }

    /**
     * As {@link #call(String, Call)}, and when the command went out but its reply did not come back (a timeout or a lost connection:
     * Redis may have run it, or may run it later when a stalled network delivers it), sends {@code cleanUp} after it on
     * the same connection, from the scheduler thread and whatever the breaker says. A lease taken by a command whose
     * reply was lost would otherwise hold its key until the lease expires, and every caller of the key would wait for it.
     */
    <T> @Nullable T call(String operation, Call<T> body, @Nullable Call<?> cleanUp) {
        if (!breaker.closed() || closed) {
            return null;
        }
        try {
            T result = body.run(connections.commands());
            breaker.success();
            return result;
        } catch (RuntimeException e) {
            failed(operation, e);
            // an error reply means Redis did not run the command: nothing to clean up
            if (cleanUp != null && !(e instanceof RedisCommandExecutionException)) {
                afterLostReply(cleanUp);
            }
            return null;
        }
    }

    /**
     * As {@link #call(String, Call, Call)}, for a command that ends a lease this instance holds (a fill, a release):
     * while the breaker is open, the command is not sent and {@code giveBack} is kept instead, to be sent by the probe
     * before the breaker closes. Found by a black-box check: a load whose fill found the breaker just opened left its
     * lease for the whole {@code loadLease}, and when the breaker closed a second later, every caller of the key, on
     * every instance, waited for it to run out.
     */
    <T> @Nullable T callOrOwe(String operation, Call<T> body, Call<?> giveBack) {
        if (!breaker.closed() && !closed) {
            if (owedCount.incrementAndGet() <= MAX_OWED) {
                owed.add(giveBack);
            } else {
                owedCount.decrementAndGet();
            }
            return null;
        }
        return call(operation, body, giveBack);
    }

    /** Sends the give-backs kept while the breaker was open; a failure keeps the rest and fails the probe. */
    private void payOwed(RedisClusterCommands<String, byte[]> redis) {
        for (Call<?> giveBack = owed.poll(); giveBack != null; giveBack = owed.poll()) {
            owedCount.decrementAndGet();
            try {
                giveBack.run(redis);
            } catch (RuntimeException e) {
                owed.add(giveBack);
                owedCount.incrementAndGet();
                throw e;
            }
        }
    }

    @SuppressWarnings("ReferenceEquality") // which connection object: a reconnect makes a new one
    private void afterLostReply(Call<?> cleanUp) {
        RedisConnections.Commands sentOn = connections.current();
        ScheduledExecutorService timer = scheduler;
        if (sentOn == null || timer == null) {
            return;
        }
        try {
            timer.execute(() -> {
                if (closed || connections.current() != sentOn) {
                    return; // a fresh connection: what was unanswered on the old one is lost or has run already
                }
                try {
                    cleanUp.run(sentOn.sync());
                } catch (RuntimeException e) {
                    meters.l2Error("CLEANUP"); // queued behind the lost command all the same, if the link holds it
                }
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * An operator takes Redis out of this cache on this instance: the breaker opens (WARNING alert) and stays open,
     * probes included, until {@link #release}.
     */
    void hold(String actor) {
        held = true;
        if (breaker.forceOpen()) {
            openedAs = HELD;
            unconfirmed.set(null);
            alerted = true; // an operator's action: said at once
            log.warn(
                    "Cache '{}': Redis L2 breaker opened by {}; serving from L1 and the loader",
                    settings.name(),
                    actor);
            alerts.send(breakerOpen(
                    HELD,
                    actor + " opened the breaker: Redis is not called for this cache on this instance until the"
                            + " breaker is closed again; callers are served from L1 and the loader."));
            listener.opened();
        }
    }

    /**
     * Ends an operator's hold (if any) and, when the breaker is open, probes Redis at once on the scheduler thread (the
     * only thread that replaces connections), waiting at most {@code bound} for the answer.
     */
    TieredCache.L2Status release(Duration bound) {
        held = false;
        ScheduledExecutorService timer = scheduler;
        if (!breaker.closed() && timer != null && !closed) {
            try {
                timer.submit(this::tick).get(bound.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                log.warn(
                        "Cache '{}': probe after closing the breaker did not finish: {}",
                        settings.name(),
                        e.toString());
            }
        }
        return status();
    }

    @Override
    public void close() {
        closed = true;
        connections.close();
    }

    /** Every {@link #CHECK_INTERVAL}: probe while open, else let the listener check the counter. */
    private void tick() {
        if (closed) {
            return;
        }
        try {
            if (!breaker.closed()) {
                if (!held) {
                    probe();
                }
                return;
            }
            if (!connections.subscribed()) {
                connections.subscribe();
            }
            listener.check();
        } catch (RuntimeException e) {
            log.warn("Cache '{}': periodic Redis check failed", settings.name(), e);
        }
    }

    private void probe() {
        try {
            RedisClusterCommands<String, byte[]> redis = connections.liveCommands();
            redis.ping();
            byte[] counter = redis.get(keys.seq());
            connections.livePubSub();
            payOwed(redis); // before the breaker closes: callers then find those keys free
            if (breaker.probeSucceeded()) {
                listener.recovered(
                        counter == null ? 0 : Long.parseLong(new String(counter, StandardCharsets.US_ASCII)));
                String title = openedAs;
                openedAs = UNAVAILABLE;
                unconfirmed.set(null); // a breaker the first probe closes: its WARNING is dropped, not sent
                if (!alerted) {
                    log.info(
                            "Cache '{}': Redis L2 answered the first probe; breaker closed {} ms after it opened, no"
                                    + " alert sent",
                            settings.name(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedAtNanos));
                    return;
                }
                alerted = false;
                alerts.send(breakerOpen(title, "")
                        .resolved(
                                title.equals(HELD)
                                        ? "The breaker was closed again and Redis answered the probe: the cache uses Redis"
                                                + " again; L1 was cleared because invalidations may have been missed while"
                                                + " Redis was not read."
                                        : "Redis L2 is back: the breaker closed after a successful probe; L1 was cleared"
                                                + " because invalidations may have been missed during the outage."));
                log.info("Cache '{}': Redis L2 is back; breaker closed", settings.name());
            }
        } catch (RuntimeException e) {
            meters.l2Error("PROBE");
            Alert confirmed = unconfirmed.getAndSet(null);
            if (confirmed != null) {
                alerted = true;
                alerts.send(confirmed);
            }
        }
    }

    /** The breaker opened on failures: its WARNING waits for the first probe ({@link #unconfirmed}). */
    private void openedUnconfirmed(Alert warning) {
        openedAtNanos = System.nanoTime();
        alerted = false;
        unconfirmed.set(warning);
    }

    private void failed(String operation, RuntimeException e) {
        meters.l2Error(operation);
        long count = failures.incrementAndGet();
        if (breaker.failure()) {
            log.warn(
                    "Cache '{}': Redis L2 failing ({} {}); breaker open, serving from L1 and the loader",
                    settings.name(),
                    operation,
                    e.toString());
            openedAs = UNAVAILABLE;
            openedUnconfirmed(breakerOpen(
                    UNAVAILABLE,
                    "Breaker open after " + FAILURE_THRESHOLD + " failed Redis calls (last: "
                            + operation
                            + ", " + e.getClass().getSimpleName()
                            + "). Callers are served from L1 and the loader; Redis is"
                            + " probed every " + CHECK_INTERVAL.toSeconds() + " s."));
            listener.opened();
        } else if (count == 1 || count % 1000 == 0) {
            log.warn(
                    "Cache '{}': Redis L2 {} failed ({} failures so far): {}",
                    settings.name(),
                    operation,
                    count,
                    e.toString());
        }
    }

    /**
     * An alert that this cache's breaker is open (one fingerprint per cache, whatever opened it); its {@link
     * Alert#resolved resolved} form says Redis is back.
     */
    private Alert breakerOpen(String title, String detail) {
        Alert.Builder alert = Alert.builder(Severity.WARNING, "Cache '" + settings.name() + "': " + title)
                .detail(detail)
                .fingerprint("ballast-cache-l2|" + settings.name())
                .label("module", "cache")
                .label("cache", settings.name());
        if (title.equals(HELD)) {
            alert.label(Alert.CAUSE_LABEL, Alert.BY_OPERATOR);
        }
        return alert
                // the button the alert module's rule carries too: whichever of the two alerts a router sees first is
                // the one the person gets (one fingerprint), so both must offer it
                .action(AlertAction.operation(
                        "Close the breaker", "cache.breaker", Map.of("cache", settings.name(), "state", "closed")))
                .build();
    }

    /**
     * Redis's own answer when it refused the connection's credentials ({@code WRONGPASS ...}, {@code NOAUTH ...}, an
     * {@code AUTH} without a configured password), found in the cause chain; null for any other failure. Lettuce
     * reports such a refusal as "Unable to connect", which sends an operator looking for a network fault. The server's
     * answer never contains the password.
     */
    static @Nullable String credentialsRefusal(Throwable failure) {
        String message = causeMessage(
                failure,
                m -> m.startsWith("WRONGPASS")
                        || m.startsWith("NOAUTH")
                        || m.startsWith("ERR AUTH")
                        || m.contains("invalid username-password pair"));
        return message == null || message.length() <= 200 ? message : message.substring(0, 200);
    }

    /** The message of the first of {@code failure} and its causes (ten deep) whose message {@code matches}; or null. */
    private static @Nullable String causeMessage(Throwable failure, Predicate<String> matches) {
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 10; depth++) {
            String message = current.getMessage();
            if (message != null && matches.test(message)) {
                return message;
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        return null;
    }
}
