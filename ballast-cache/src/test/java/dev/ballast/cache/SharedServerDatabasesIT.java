package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import dev.ballast.test.LogCapture;
import dev.ballast.test.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StaticCredentialsProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two services on one Redis server, each in a database of its own, each with a cache named {@code prices}. Redis
 * delivers a published message to every subscriber of the channel whatever database either selected, so with one
 * channel name per cache a service's waiters took the other service's value from its "released" signal, and its L1
 * dropped keys on the other's invalidations (found by a black-box adoption check's reading of the documented channel
 * names). Each database now has a channel of its own. Both tests end their "did not happen" with a message on the
 * service's own channel that the receiver must see: messages reach a subscriber in the order the server ran the
 * publishes, so once it has, anything published before it would have arrived too.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedServerDatabasesIT {

    @RegisterExtension
    final LogCapture log = LogCapture.of(RedisConnections.class);

    private final ExecutorService callers = Executors.newFixedThreadPool(2);
    private RedisServer redis;
    private final List<RedisClient> clients = new ArrayList<>();
    private final List<TieredCache<String, Quote>> caches = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        callers.shutdownNow();
        caches.forEach(TieredCache::close);
        clients.forEach(RedisClient::shutdown);
        redis.close();
    }

    private TieredCache<String, Quote> instance(int database, SimpleMeterRegistry registry) {
        return instance(RedisURI.create(redis.uri()), database, null, registry);
    }

    private TieredCache<String, Quote> instance(
            RedisURI uri, int database, @Nullable String user, SimpleMeterRegistry registry) {
        uri.setDatabase(database);
        if (user != null) {
            uri.setCredentialsProvider(new StaticCredentialsProvider(user, (user + "-pw").toCharArray()));
        }
        RedisClient client = RedisClient.create(uri);
        clients.add(client);
        TieredCache<String, Quote> cache = TieredCache.<String, Quote>builder(
                        CacheSettings.builder("prices").build(), Codec.json(Quote.class))
                .redis(client)
                .meterRegistry(registry)
                .build();
        caches.add(cache);
        return cache;
    }

    @Test
    void anotherDatabasesWritesLeaveThisServicesL1Alone() {
        SimpleMeterRegistry b1Meters = new SimpleMeterRegistry();
        TieredCache<String, Quote> otherService = instance(7, new SimpleMeterRegistry());
        TieredCache<String, Quote> b1 = instance(8, b1Meters);
        TieredCache<String, Quote> b2 = instance(8, new SimpleMeterRegistry());
        Quote ours = new Quote("ACME", "ours");
        assertThat(b1.get("ACME", key -> ours)).isEqualTo(ours);

        otherService.put("ACME", new Quote("ACME", "theirs"));
        b2.evict("marker"); // on database 8's channel, published after the other service's write
        Eventually.within(Duration.ofSeconds(10), "b1 received b2's invalidation", () -> received(b1Meters) >= 1);

        assertThat(received(b1Meters)).as("only its own service's invalidation").isEqualTo(1);
        assertThat(b1Meters.find("ballast.cache.l1.resyncs").counters()).isEmpty();
        assertThat(b1.get("ACME", key -> new Quote("ACME", "reloaded")))
                .as("still in L1: the other database's write did not evict it")
                .isEqualTo(ours);
    }

    @Test
    void aWaiterTakesOnlyItsOwnDatabasesValueFromAReleasedSignal() throws Exception {
        SimpleMeterRegistry b2Meters = new SimpleMeterRegistry();
        TieredCache<String, Quote> otherService = instance(7, new SimpleMeterRegistry());
        TieredCache<String, Quote> b1 = instance(8, new SimpleMeterRegistry());
        TieredCache<String, Quote> b2 = instance(8, b2Meters);
        Quote ours = new Quote("ACME", "ours");
        CountDownLatch loadMayFinish = new CountDownLatch(1);
        CompletableFuture<Void> loading = new CompletableFuture<>();
        CompletableFuture<Quote> holder = CompletableFuture.supplyAsync(
                () -> b1.get("ACME", key -> {
                    loading.complete(null);
                    loadMayFinish.await(); // b1 holds database 8's lease meanwhile
                    return ours;
                }),
                callers);
        loading.get(10, TimeUnit.SECONDS);
        CompletableFuture<Quote> waiter =
                CompletableFuture.supplyAsync(() -> b2.get("ACME", key -> new Quote("ACME", "b2 loaded it")));
        Eventually.within(
                Duration.ofSeconds(10), "b2 waits for b1's load", () -> coalescedAcrossInstances(b2Meters) >= 1);

        assertThat(otherService.get("ACME", key -> new Quote("ACME", "theirs")))
                .as("the other service loads its own ACME and signals it")
                .isEqualTo(new Quote("ACME", "theirs"));
        b1.evict("marker");
        Eventually.within(Duration.ofSeconds(10), "b2 received b1's invalidation", () -> received(b2Meters) >= 1);

        assertThat(waiter).as("still waiting for its own service's load").isNotDone();
        loadMayFinish.countDown();
        assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo(ours);
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo(ours);
    }

    /**
     * A user whose ACL leaves out {@code CLIENT} (a least-privilege service account) still gets its L2 and
     * invalidations, on the channel as named, with a WARN saying what to allow.
     */
    @Test
    void aUserWithoutTheClientCommandKeepsL2AndInvalidationsOnTheSharedChannel() {
        RedisClient admin = RedisClient.create(redis.uri());
        try (var connection = admin.connect()) {
            connection
                    .sync()
                    .aclSetuser(
                            "svc",
                            io.lettuce.core.AclSetuserArgs.Builder.on()
                                    .addPassword("svc-pw")
                                    .allKeys()
                                    .allChannels()
                                    .allCommands()
                                    .removeCommand(io.lettuce.core.protocol.CommandType.CLIENT));
        } finally {
            admin.shutdown();
        }
        SimpleMeterRegistry b1Meters = new SimpleMeterRegistry();
        TieredCache<String, Quote> b1 = instance(RedisURI.create(redis.uri()), 3, "svc", b1Meters);
        TieredCache<String, Quote> b2 = instance(RedisURI.create(redis.uri()), 3, "svc", new SimpleMeterRegistry());
        Quote first = new Quote("ACME", "first");
        assertThat(b1.get("ACME", key -> first)).isEqualTo(first);
        assertThat(b2.get("ACME", key -> new Quote("ACME", "loaded again")))
                .as("from L2")
                .isEqualTo(first);

        b2.put("ACME", new Quote("ACME", "second"));
        Eventually.within(Duration.ofSeconds(10), "b1 received b2's invalidation", () -> received(b1Meters) >= 1);
        assertThat(b1.get("ACME", key -> new Quote("ACME", "loaded"))).isEqualTo(new Quote("ACME", "second"));
        assertThat(log.events())
                .extracting(event -> event.getFormattedMessage())
                .anySatisfy(line -> assertThat(line)
                        .contains("Redis refused CLIENT INFO and CLIENT LIST")
                        .contains("allow +client|info")
                        .doesNotContain("svc-pw"));
    }

    private static double received(SimpleMeterRegistry registry) {
        return registry.get("ballast.cache.invalidations")
                .tag("direction", "received")
                .counter()
                .count();
    }

    private static double coalescedAcrossInstances(SimpleMeterRegistry registry) {
        return registry.get("ballast.cache.coalesced")
                .tag("scope", "cluster")
                .counter()
                .count();
    }
}
