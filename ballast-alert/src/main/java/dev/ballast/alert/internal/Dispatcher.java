package dev.ballast.alert.internal;

import dev.ballast.alert.AlertRouter;
import dev.ballast.alert.Message;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's intake and its dispatcher thread: a bounded intake queue (an unbounded overflow for CRITICAL alerts),
 * the pipeline run on each alert and on every tick, the heartbeat, and the hand-over of deliveries to the channel
 * workers.
 *
 * <p>Concurrency: {@link #enqueue} is called from any thread and never blocks. Everything else (the pipeline, the tick
 * and heartbeat times) runs on one thread at a time: the dispatcher thread while it runs, or the caller of
 * {@link #dispatchPending} when the router is built without one (tests) and the closing thread after {@link #stop}
 * has joined the dispatcher thread.
 */
public final class Dispatcher {

    private static final Logger log = LoggerFactory.getLogger(AlertRouter.class); // the router's log category

    private final Clock clock;
    private final AlertMeters meters;
    private final Pipeline pipeline;
    private final Map<String, ChannelWorker> workers;
    private final ArrayBlockingQueue<Alert> intake;
    private final ConcurrentLinkedQueue<Alert> overflow = new ConcurrentLinkedQueue<>();
    private final Duration tick;
    private final @Nullable Duration heartbeatInterval;
    private final @Nullable String heartbeatChannel;
    private final String service;
    private final @Nullable String instance;
    private volatile @Nullable Thread thread;
    private Instant nextTick;
    private Instant nextHeartbeat;
    private volatile boolean running = true;

    /**
     * A dispatcher for {@code workers}; {@link #start} starts its thread. {@code heartbeatInterval} and {@code
     * heartbeatChannel} are both null for no heartbeat. Every message is marked as sent by {@code instance}, unless
     * null.
     */
    public Dispatcher(
            Clock clock,
            AlertMeters meters,
            Pipeline pipeline,
            Map<String, ChannelWorker> workers,
            int intakeCapacity,
            Duration tick,
            @Nullable Duration heartbeatInterval,
            @Nullable String heartbeatChannel,
            String service,
            @Nullable String instance) {
        this.clock = clock;
        this.meters = meters;
        this.pipeline = pipeline;
        this.workers = workers;
        this.intake = new ArrayBlockingQueue<>(intakeCapacity);
        this.tick = tick;
        this.heartbeatInterval = heartbeatInterval;
        this.heartbeatChannel = heartbeatChannel;
        this.service = service;
        this.instance = instance;
        Instant now = clock.instant();
        this.nextTick = now;
        this.nextHeartbeat = now;
    }

    /** Starts the dispatcher thread. */
    public void start() {
        thread = Thread.ofPlatform().daemon().name("ballast-alert-dispatcher").start(this::dispatch);
    }

    /**
     * Queues an alert: when the intake is full, a CRITICAL one goes to the overflow, the others are dropped and
     * counted.
     */
    public void enqueue(Alert alert) {
        if (!intake.offer(alert)) {
            if (alert.severity() == Severity.CRITICAL) {
                overflow.add(alert);
            } else {
                meters.droppedAtIntake(alert.severity());
            }
        }
    }

    /**
     * Stops the dispatcher thread (waiting up to 5 s for it), then runs the pipeline on what is queued and hands over
     * the messages still waiting out their group wait.
     */
    public void stop() {
        running = false;
        Thread dispatcher = thread;
        if (dispatcher != null) {
            dispatcher.interrupt();
            try {
                dispatcher.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dispatchPending(true);
        deliver(pipeline.flushAll(clock.instant()));
    }

    /** Runs the pipeline on what is queued and on the clock's time now; the dispatcher thread's one step. */
    public void dispatchPending(boolean forceTick) {
        Alert alert;
        while ((alert = overflow.poll()) != null) {
            process(alert);
        }
        while ((alert = intake.poll()) != null) {
            process(alert);
        }
        Instant now = clock.instant();
        if (forceTick || !now.isBefore(nextTick)) {
            nextTick = now.plus(tick);
            deliver(pipeline.tick(now));
            heartbeat(now);
        }
    }

    private void dispatch() {
        while (running) {
            try {
                Alert alert = intake.poll(tick.toMillis(), TimeUnit.MILLISECONDS);
                if (alert != null) {
                    process(alert);
                }
                dispatchPending(false);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("Alert dispatcher error (alert skipped): {}", e.toString());
            }
        }
    }

    private void process(Alert alert) {
        try {
            deliver(pipeline.accept(alert, clock.instant()));
        } catch (RuntimeException e) {
            log.error("Alert '{}' could not be routed: {}", alert.fingerprint(), e.toString());
        }
    }

    private void deliver(List<Delivery> deliveries) {
        for (Delivery delivery : deliveries) {
            ChannelWorker worker = workers.get(delivery.channel());
            if (worker != null) {
                worker.offer(sent(delivery.message()));
            }
        }
    }

    private void heartbeat(Instant now) {
        Duration interval = heartbeatInterval;
        String channel = heartbeatChannel;
        if (interval == null || channel == null || now.isBefore(nextHeartbeat)) {
            return;
        }
        nextHeartbeat = now.plus(interval);
        Alert beat = Alert.builder(Severity.INFO, "Heartbeat: " + service + " alerting is alive")
                .detail("Sent every " + interval + "; if these stop, the dead man's switch in Prometheus fires.")
                .fingerprint("ballast-heartbeat|" + service)
                .label("module", "alert")
                .timestamp(now)
                .build();
        meters.heartbeat(now.getEpochSecond());
        ChannelWorker worker = workers.get(channel);
        if (worker != null) {
            worker.offer(sent(new Message(
                    Message.Kind.HEARTBEAT,
                    Severity.INFO,
                    beat.title(),
                    List.of(beat),
                    0,
                    Duration.ZERO,
                    List.of(),
                    now)));
        }
    }

    private Message sent(Message message) {
        String name = instance;
        return name == null ? message : message.from(name);
    }
}
