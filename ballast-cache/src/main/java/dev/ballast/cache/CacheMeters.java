package dev.ballast.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The meters of one cache, all tagged {@code cache=<name>}:
 *
 * <ul>
 *   <li>{@code ballast.cache.gets} (counter, tags {@code tier} = l1|l2, {@code result} = hit|miss|stale): look-ups by
 *       tier; an L2 {@code stale} is an expired value kept for stale serving;
 *   <li>{@code ballast.cache.stale.served} (counter): callers answered with a stale value because another instance's
 *       load did not finish in time;
 *   <li>{@code ballast.cache.loads} (timer, tag {@code result} = success|failure): loader runs and their time;
 *   <li>{@code ballast.cache.coalesced} (counter, tag {@code scope} = local|cluster): callers that waited for a load
 *       in this JVM, or for another instance's load, instead of running the loader;
 *   <li>{@code ballast.cache.early.refreshes} (counter): background refreshes started by XFetch;
 *   <li>{@code ballast.cache.l2.errors} (counter, tag {@code operation}): failed Redis calls;
 *   <li>{@code ballast.cache.l2.breaker.state} (gauge): 0 closed, 2 open;
 *   <li>{@code ballast.cache.invalidations} (counter, tag {@code direction} = sent|received);
 *   <li>{@code ballast.cache.l1.resyncs} (counter, tag {@code reason}): L1 cleared because invalidations may have been
 *       lost (gap, reconnect, Redis back);
 *   <li>{@code ballast.cache.invalidation.delay} (timer): from an invalidation's publication to its arrival here, the
 *       time another instance's L1 could serve the old value (clocks of the two hosts assumed in sync);
 *   <li>{@code ballast.cache.corrupt} (counter): undecodable L2 entries evicted.
 * </ul>
 *
 * Thread-safe.
 */
final class CacheMeters {

    private final MeterRegistry registry;
    private final String cache;
    private final boolean countHits;
    private final Counter l1Hit;
    private final Counter l1Miss;
    private final Counter l2Hit;
    private final Counter l2Miss;
    private final Counter l2Stale;
    private final Counter staleServed;
    private final Timer loadOk;
    private final Timer loadFailed;
    private final Counter coalescedLocal;
    private final Counter coalescedCluster;
    private final Counter earlyRefreshes;
    private final Counter sent;
    private final Counter received;
    private final Timer delay;
    private final Counter corrupt;

    /** Meters on {@code registry}; with {@code registry} null, on a registry of none (L1 hits then cost nothing). */
    CacheMeters(@Nullable MeterRegistry target, String cache) {
        this.countHits = target != null;
        MeterRegistry registry = target != null ? target : new CompositeMeterRegistry();
        this.registry = registry;
        this.cache = cache;
        l1Hit = gets("l1", "hit");
        l1Miss = gets("l1", "miss");
        l2Hit = gets("l2", "hit");
        l2Miss = gets("l2", "miss");
        l2Stale = gets("l2", "stale");
        staleServed = counter(
                "ballast.cache.stale.served", "Expired values served because a load failed or its wait ran out");
        loadOk = loads("success");
        loadFailed = loads("failure");
        coalescedLocal = Counter.builder("ballast.cache.coalesced")
                .description("Callers that waited for a load in flight instead of loading (scope local: in this JVM;"
                        + " cluster: on another instance)")
                .tag("cache", cache)
                .tag("scope", "local")
                .register(registry);
        coalescedCluster = Counter.builder("ballast.cache.coalesced")
                .description("Callers that waited for a load in flight instead of loading (scope local: in this JVM;"
                        + " cluster: on another instance)")
                .tag("cache", cache)
                .tag("scope", "cluster")
                .register(registry);
        earlyRefreshes = counter(
                "ballast.cache.early.refreshes", "Values reloaded ahead of expiry (probabilistic early refresh)");
        sent = Counter.builder("ballast.cache.invalidations")
                .description("Invalidation messages this instance sent and received")
                .tag("cache", cache)
                .tag("direction", "sent")
                .register(registry);
        received = Counter.builder("ballast.cache.invalidations")
                .description("Invalidation messages this instance sent and received")
                .tag("cache", cache)
                .tag("direction", "received")
                .register(registry);
        delay = Timer.builder("ballast.cache.invalidation.delay")
                .description("From another instance's put, evict or clear until its message arrived here")
                .tag("cache", cache)
                .publishPercentileHistogram()
                .register(registry);
        corrupt = counter(
                "ballast.cache.corrupt", "Values from Redis that could not be decoded (a bad entry is evicted)");
    }

    private Counter gets(String tier, String result) {
        return Counter.builder("ballast.cache.gets")
                .description("Reads by tier (l1, l2) and result (hit, miss; stale: an expired L2 entry)")
                .tag("cache", cache)
                .tag("tier", tier)
                .tag("result", result)
                .register(registry);
    }

    private Timer loads(String result) {
        return Timer.builder("ballast.cache.loads")
                .description("Loader calls by result")
                .tag("cache", cache)
                .tag("result", result)
                .register(registry);
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name)
                .description(description)
                .tag("cache", cache)
                .register(registry);
    }

    void breakerGauge(IntSupplier state) {
        Gauge.builder("ballast.cache.l2.breaker.state", state::getAsInt)
                .description("The Redis L2 breaker: 0 closed, 2 open (served from L1 and the loader)")
                .tag("cache", cache)
                .strongReference(true)
                .register(registry);
    }

    void l1(boolean hit) {
        if (countHits) {
            (hit ? l1Hit : l1Miss).increment();
        }
    }

    void l2Hit() {
        l2Hit.increment();
    }

    void l2Miss() {
        l2Miss.increment();
    }

    void l2Stale() {
        l2Stale.increment();
    }

    void staleServed() {
        staleServed.increment();
    }

    void loaded(long nanos, boolean success) {
        (success ? loadOk : loadFailed).record(nanos, TimeUnit.NANOSECONDS);
    }

    void coalesced(boolean cluster) {
        (cluster ? coalescedCluster : coalescedLocal).increment();
    }

    void earlyRefresh() {
        earlyRefreshes.increment();
    }

    void l2Error(String operation) {
        Counter.builder("ballast.cache.l2.errors")
                .description("Redis commands of L2 that failed, by operation")
                .tag("cache", cache)
                .tag("operation", operation)
                .register(registry)
                .increment();
    }

    void resync(String reason) {
        Counter.builder("ballast.cache.l1.resyncs")
                .description("L1 cleared because invalidations may have been lost, by reason")
                .tag("cache", cache)
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    void invalidationSent() {
        sent.increment();
    }

    void invalidationReceived(Duration sinceSent) {
        received.increment();
        delay.record(sinceSent.isNegative() ? Duration.ZERO : sinceSent);
    }

    void corrupt() {
        corrupt.increment();
    }
}
