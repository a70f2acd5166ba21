package dev.ballast.alert.internal;

import dev.ballast.alert.Channel;
import dev.ballast.alert.ChannelSettings;
import dev.ballast.alert.DeliveryResult;
import dev.ballast.alert.Message;
import dev.ballast.core.alert.Severity;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one channel's messages on its own daemon thread: rate limit, retries with backoff for 5xx/429/timeouts,
 * none for other 4xx, a breaker, and the file channel as the fallback for whatever could not be delivered. Thread-safe:
 * the dispatcher calls {@link #offer}; everything else runs on the worker thread.
 */
public final class ChannelWorker {

    /** Told once per channel and status when a receiver refuses us for good. */
    public interface Rejections {
        void rejected(String channel, int status, String detail);
    }

    private static final Logger log = LoggerFactory.getLogger(ChannelWorker.class);

    private final Channel channel;
    private final ChannelSettings settings;
    private final @Nullable JsonLinesFile fallback;
    private final AlertMeters meters;
    private final Rejections rejections;
    private final ChannelQueue queue;
    private final RateGate gate;
    private final Breaker breaker;
    private final Set<Integer> reportedStatuses = ConcurrentHashMap.newKeySet();
    /** A message failed after its retries and none was delivered since; written and read by the worker thread. */
    private volatile boolean failing;

    private final Thread thread;
    private volatile boolean running = true;

    public ChannelWorker(
            Channel channel,
            ChannelSettings settings,
            @Nullable JsonLinesFile fallback,
            AlertMeters meters,
            Rejections rejections) {
        this.channel = channel;
        this.settings = settings;
        this.fallback = channel == fallback ? null : fallback;
        this.meters = meters;
        this.rejections = rejections;
        this.queue = new ChannelQueue(settings.queueCapacity());
        this.gate = new RateGate(settings.ratePerSecond(), settings.burst(), System.nanoTime());
        this.breaker = new Breaker(
                settings.breakerThreshold(), settings.breakerOpenFor().toNanos());
        meters.channelGauges(channel.name(), queue::size, breaker::state);
        this.thread = Thread.ofPlatform()
                .daemon()
                .name("ballast-alert-" + channel.name())
                .unstarted(this::run);
    }

    public ChannelWorker start() {
        thread.start();
        return this;
    }

    public Channel channel() {
        return channel;
    }

    /** Queues {@code message}; never blocks for long and never loses a CRITICAL one. */
    public void offer(Message message) {
        switch (queue.offer(message)) {
            case QUEUED -> {}
            case QUEUED_DROPPING_INFO -> meters.dropped(Severity.INFO, channel.name(), 1);
            case DROPPED -> meters.dropped(message.severity(), channel.name(), 1);
            case SPILL -> toFallback(message, "queue full");
        }
    }

    /** Messages waiting. */
    public int queued() {
        return queue.size();
    }

    /**
     * Stops the worker, waiting up to {@code grace} for the queue to empty and the message in hand to be delivered;
     * the message in hand after that, and CRITICAL and WARNING messages still queued, go to the file, INFO ones are
     * counted as dropped.
     */
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (!queue.idle() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        running = false;
        thread.interrupt();
        try {
            thread.join(grace.toMillis() + 1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Message message : queue.drain()) {
            if (message.severity() == Severity.INFO) {
                meters.dropped(Severity.INFO, channel.name(), 1);
            } else {
                toFallback(message, "shut down");
            }
        }
    }

    private void run() {
        while (running) {
            try {
                Message message = queue.poll(200, TimeUnit.MILLISECONDS);
                if (message != null) {
                    try {
                        deliverOrKeep(message);
                    } finally {
                        queue.done();
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error(
                        "Alert channel '{}' worker error: {}",
                        channel.name(),
                        e.getClass().getSimpleName());
            }
        }
    }

    /** Delivers {@code message}; if shut down meanwhile, the message in hand goes to the file, never lost. */
    private void deliverOrKeep(Message message) throws InterruptedException {
        try {
            handle(message);
        } catch (InterruptedException e) {
            toFallback(message, "shut down while delivering");
            throw e;
        }
        if (!running && Thread.currentThread().isInterrupted()) {
            throw new InterruptedException();
        }
    }

    private void handle(Message message) throws InterruptedException {
        if (!breaker.allows(System.nanoTime())) {
            meters.message(channel.name(), "breaker_open");
            toFallback(message, "breaker open");
            return;
        }
        int attempts = 0;
        int pauses = 0;
        while (true) {
            awaitGate();
            DeliveryResult result = attempt(message);
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException(); // shut down mid-request: the caller keeps the message
            }
            switch (result.outcome()) {
                case DELIVERED -> {
                    gate.pause(System.nanoTime(), result.pause().toNanos());
                    breaker.success();
                    if (failing) {
                        failing = false;
                        log.info("Alert channel '{}' delivers again", channel.name());
                    }
                    meters.message(channel.name(), "delivered");
                    return;
                }
                case REJECTED -> {
                    meters.message(channel.name(), "rejected");
                    toFallback(message, "rejected: " + result.detail());
                    if (reportedStatuses.add(result.status())) {
                        log.warn("Alert channel '{}' rejects our messages: {}", channel.name(), result.detail());
                        rejections.rejected(channel.name(), result.status(), result.detail());
                    }
                    return;
                }
                case RETRY -> {
                    boolean rateLimited = !result.pause().isZero();
                    if (rateLimited) {
                        gate.pause(System.nanoTime(), result.pause().toNanos());
                    }
                    if (rateLimited ? ++pauses >= 3 * settings.maxAttempts() : ++attempts >= settings.maxAttempts()) {
                        failed(message, result);
                        return;
                    }
                    if (!rateLimited) {
                        Thread.sleep(backoffMillis(attempts));
                    }
                }
            }
        }
    }

    private DeliveryResult attempt(Message message) {
        try {
            return channel.deliver(message);
        } catch (RuntimeException e) {
            return DeliveryResult.retry(
                    0, Duration.ZERO, "error: " + e.getClass().getSimpleName());
        }
    }

    private void failed(Message message, DeliveryResult result) {
        meters.message(channel.name(), "failed");
        if (!failing) { // once per failing streak: the breaker's line follows if it goes on, "delivers again" ends it
            failing = true;
            log.warn(
                    "Alert channel '{}' is failing: a message was not delivered after its retries (last: {}); it"
                            + " went to the fallback",
                    channel.name(),
                    result.detail());
        }
        if (breaker.failure(System.nanoTime())) {
            log.warn(
                    "Alert channel '{}' breaker open for {} after {} undeliverable messages (last: {})",
                    channel.name(),
                    settings.breakerOpenFor(),
                    settings.breakerThreshold(),
                    result.detail());
        }
        toFallback(message, "failed after retries: " + result.detail());
    }

    private void awaitGate() throws InterruptedException {
        long wait;
        while ((wait = gate.acquire(System.nanoTime())) > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private long backoffMillis(int attempt) {
        long base = settings.backoffBase().toMillis();
        long cap = settings.backoffCap().toMillis();
        long ceiling = Math.min(cap, base << Math.min(20, attempt - 1));
        return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    }

    private void toFallback(Message message, String reason) {
        meters.spilled(channel.name(), message.severity());
        JsonLinesFile file = fallback;
        if (file == null) {
            new LogChannel("log").deliver(message);
            return;
        }
        if (file.write(message, channel.name(), reason).outcome() != DeliveryResult.Outcome.DELIVERED) {
            new LogChannel("log").deliver(message); // the last resort a person can still read
        }
    }
}
