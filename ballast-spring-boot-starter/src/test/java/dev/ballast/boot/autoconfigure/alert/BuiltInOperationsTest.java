package dev.ballast.boot.autoconfigure.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.alert.action.ActionOperation;
import dev.ballast.cache.CacheSettings;
import dev.ballast.cache.Codec;
import dev.ballast.cache.TieredCache;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.local.LocalLockStrategies;
import dev.ballast.lock.resilient.LockMode;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import dev.ballast.outbox.DeadLetter;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxEvent;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.PublishResult;
import dev.ballast.test.Eventually;
import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The built-in operations behind the cache-breaker, lock-mode and relay buttons act on the application's own beans: a
 * {@link TieredCache} on the local Redis, a {@link ResilientLockStrategy} on H2 and an outbox relay on H2.
 */
class BuiltInOperationsTest {

    private static final RedisClient redis = RedisClient.create("redis://127.0.0.1:6379");

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        redis.shutdown();
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        BallastAlertAutoConfiguration.class, BallastAlertActionsAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues(
                        "ballast.alert.file.path=" + dir.resolve("alerts.jsonl"),
                        "ballast.alert.actions.enabled=true",
                        "ballast.alert.actions.base-url=https://svc.example",
                        "ballast.alert.actions.keys.k1=" + BallastAlertWebTest.KEY);
    }

    private static TieredCache<String, String> quotes(String name) {
        return TieredCache.tiered(CacheSettings.builder(name).build(), Codec.json(String.class), key -> key, redis);
    }

    private static ResilientLockStrategy resilientOnH2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:ops-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        return ResilientLockStrategy.builder(
                        LocalLockStrategies.create(LockListener.none(), AlertSink.logging()),
                        JdbcLockStrategies.builder(h2, "ballast_", true).build(),
                        h2)
                .createTable(true)
                .maxLease(Duration.ofSeconds(1))
                .instanceName("ops-test")
                .build();
    }

    @Test
    void theCacheBreakerButtonHoldsACachesRedisBreakerOpenAndClosingItProbesRedis() {
        String name = "ops-" + UUID.randomUUID().toString().substring(0, 8);
        runner().withBean("quotes", TieredCache.class, () -> quotes(name)).run(context -> {
            ActionOperation breaker = context.getBean("ballastCacheBreakerOperation", ActionOperation.class);
            TieredCache<?, ?> cache = context.getBean(TieredCache.class);

            assertThat(breaker.describe(Map.of("cache", name, "state", "open")))
                    .contains("'" + name + "'")
                    .contains("keep it open");
            assertThat(breaker.perform(Map.of("cache", name, "state", "open"), "alice"))
                    .contains("held open");
            assertThat(breaker.followUps(Map.of("cache", name, "state", "open")))
                    .extracting(action -> action.label(), action -> action.url().toString())
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(
                            "Close the breaker", "ballast-action:cache.breaker?cache=" + name + "&state=closed"));
            assertThat(cache.l2Status()).isEqualTo(TieredCache.L2Status.BREAKER_OPEN);
            assertThat(breaker.perform(Map.of("cache", name, "state", "closed"), "alice"))
                    .isEqualTo("Cache '" + name + "': Redis answered; breaker closed");
            assertThat(cache.l2Status()).isEqualTo(TieredCache.L2Status.UP);

            assertThatThrownBy(() -> breaker.perform(Map.of("cache", "nope", "state", "open"), "alice"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("No Ballast cache named 'nope' on this instance");
            assertThatThrownBy(() -> breaker.perform(Map.of("cache", name, "state", "half"), "alice"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("state must be open or closed, was 'half'");
            assertThat(breaker.argumentNames()).containsExactlyInAnyOrder("cache", "state");
            cache.close();
        });
    }

    @Test
    void aCacheWithoutRedisHasNoBreakerToHoldOpenAndNoHoldIsReported() {
        TieredCache<String, String> memory =
                TieredCache.local(CacheSettings.builder("memory").build(), Codec.json(String.class), key -> key);
        runner().withBean("memoryOnly", TieredCache.class, () -> memory).run(context -> {
            ActionOperation breaker = context.getBean("ballastCacheBreakerOperation", ActionOperation.class);
            for (var call : List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
                    () -> breaker.describe(Map.of("cache", "memory", "state", "open")),
                    () -> breaker.perform(Map.of("cache", "memory", "state", "open"), "alice"))) {
                assertThatThrownBy(call)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("Cache 'memory' has no Redis L2 on this instance: there is no breaker to"
                                + " hold open");
            }
            assertThat(context.getBean(TieredCache.class).l2Status()).isEqualTo(TieredCache.L2Status.NONE);
        });
    }

    @Test
    void theRelayButtonsPauseTheOutboxRelayAndResumingItPublishesWhatWaited() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:relay-ops-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Outbox outbox = Outbox.builder(h2).createSchema(true).build();
        List<OutboxMessage> published = new CopyOnWriteArrayList<>();
        OutboxRelay relay = outbox.relay(OutboxPublisher.inProcess(published::add))
                .pollInterval(Duration.ofMillis(20))
                .build()
                .start();
        try {
            runner().withBean(Outbox.class, () -> outbox)
                    .withBean(OutboxRelay.class, () -> relay)
                    .run(context -> {
                        ActionOperation pause = context.getBean("ballastPauseRelayOperation", ActionOperation.class);
                        ActionOperation resume = context.getBean("ballastResumeRelayOperation", ActionOperation.class);

                        assertThat(pause.describe(Map.of())).contains("every instance", "stop publishing");
                        assertThat(pause.perform(Map.of(), "alice")).isEqualTo("Relays paused on every instance");
                        assertThat(pause.followUps(Map.of()))
                                .extracting(action -> action.label())
                                .containsExactly("Resume the relay");
                        assertThat(resume.followUps(Map.of())).isEmpty();
                        assertThat(relay.isPaused()).isTrue();
                        assertThat(pause.perform(Map.of(), "bob")).isEqualTo("Relays were paused already");
                        try (Connection connection = h2.getConnection()) {
                            connection.setAutoCommit(false);
                            outbox.append(
                                    connection,
                                    OutboxEvent.of(
                                            "r-1",
                                            "Order",
                                            "o-1",
                                            "OrderPlaced",
                                            "{}".getBytes(StandardCharsets.UTF_8)));
                            connection.commit();
                        }

                        assertThat(resume.perform(Map.of(), "alice")).isEqualTo("Relays resumed on every instance");
                        assertThat(relay.isPaused()).isFalse();
                        Eventually.within(
                                Duration.ofSeconds(10), "the event that waited is published", () -> published.stream()
                                        .anyMatch(
                                                message -> message.aggregateId().equals("o-1")));
                        assertThat(resume.perform(Map.of(), "bob")).isEqualTo("Relays were running already");
                    });
        } finally {
            relay.close();
        }
    }

    @Test
    void theReplayButtonReplaysRefusedEventsButLeavesTamperedOnesForAPerson() throws Exception {
        // found by black-box checks: the button replayed an event whose payload had been changed in the table (a
        // quantity of 2 became 200), which was then published and settled; and, after that was fixed, a refused
        // event whose payload was changed in the dead-letter table (a price of 71200.00 became 3.00)
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:replay-ops-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Outbox outbox = Outbox.builder(h2).createSchema(true).build();
        List<OutboxMessage> published = new CopyOnWriteArrayList<>();
        List<String> refusedOnce = new CopyOnWriteArrayList<>();
        OutboxPublisher publisher = batch -> batch.stream()
                .map(message -> {
                    if ((message.aggregateId().equals("o-refused")
                                    || message.aggregateId().equals("o-changed"))
                            && !refusedOnce.contains(message.eventId())) {
                        refusedOnce.add(message.eventId());
                        return PublishResult.rejected(
                                DeadLetterReason.UNROUTABLE, new IllegalStateException("no queue bound"));
                    }
                    published.add(message);
                    return PublishResult.published();
                })
                .toList();
        try (Connection connection = h2.getConnection()) {
            connection.setAutoCommit(false);
            outbox.append(connection, OutboxEvent.of("r-1", "Order", "o-refused", "OrderPlaced", bytes("{\"q\":1}")));
            outbox.append(connection, OutboxEvent.of("r-2", "Order", "o-tampered", "OrderPlaced", bytes("{\"q\":2}")));
            outbox.append(connection, OutboxEvent.of("r-3", "Order", "o-changed", "OrderPlaced", bytes("{\"q\":3}")));
            connection.commit();
            try (Statement tamper = connection.createStatement()) {
                tamper.executeUpdate("UPDATE ballast_outbox SET payload = X'7b2271223a3230307d'"
                        + " WHERE aggregate_id = 'o-tampered'"); // {"q":200}
            }
            connection.commit();
        }
        OutboxRelay relay = outbox.relay(publisher)
                .pollInterval(Duration.ofMillis(20))
                .build()
                .start();
        try {
            Eventually.within(
                    Duration.ofSeconds(10), "the three events are dead letters", () -> deadLetters(outbox) == 3);
            try (Connection connection = h2.getConnection();
                    Statement tamper = connection.createStatement()) {
                tamper.executeUpdate("UPDATE ballast_outbox_dlq SET payload = X'7b2271223a3330307d'"
                        + " WHERE aggregate_id = 'o-changed'"); // {"q":300}, in the dead-letter table this time
            }
            assertThat(outbox.deadLetters().list(10))
                    .as("only the refused event's letter still matches its hash")
                    .filteredOn(letter -> outbox.deadLetters().unchanged(letter))
                    .extracting(DeadLetter::aggregateId)
                    .containsExactly("o-refused");
            runner().withBean(Outbox.class, () -> outbox).run(context -> {
                ActionOperation replay = context.getBean("ballastReplayDeadLettersOperation", ActionOperation.class);

                assertThat(replay.describe(Map.of()))
                        .contains("Integrity violations")
                        .contains("left for a person");
                assertThat(replay.perform(Map.of(), "alice"))
                        .isEqualTo("Replayed 1 dead letter(s); 2 letter(s) whose bytes changed (integrity violations,"
                                + " or changed in the dead-letter table) left for a person to replay or discard one by"
                                + " one (see the runbook)");
                Eventually.within(
                        Duration.ofSeconds(10),
                        "the refused event is published after the replay",
                        () -> published.stream()
                                .anyMatch(message -> message.aggregateId().equals("o-refused")));
                assertThat(outbox.deadLetters().list(10))
                        .extracting(DeadLetter::aggregateId, DeadLetter::reason)
                        .containsExactlyInAnyOrder(
                                org.assertj.core.groups.Tuple.tuple("o-tampered", DeadLetterReason.INTEGRITY_VIOLATION),
                                org.assertj.core.groups.Tuple.tuple("o-changed", DeadLetterReason.UNROUTABLE));
                assertThat(published)
                        .noneMatch(message -> message.aggregateId().equals("o-tampered")
                                || message.aggregateId().equals("o-changed"));
            });
        } finally {
            relay.close();
        }
    }

    private static long deadLetters(Outbox outbox) {
        try {
            return outbox.deadLetters().count();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theLockModeButtonMovesTheResilientChainToItsFallbackAndBack() {
        runner().withBean(LockStrategy.class, BuiltInOperationsTest::resilientOnH2)
                .run(context -> {
                    ActionOperation mode = context.getBean("ballastLockModeOperation", ActionOperation.class);
                    ResilientLockStrategy locks = (ResilientLockStrategy) context.getBean(LockStrategy.class);

                    assertThat(mode.describe(Map.of("mode", "FALLBACK"))).contains("database fallback");
                    assertThat(mode.perform(Map.of("mode", "fallback"), "alice"))
                            .startsWith("Locks are moving to FALLBACK");
                    assertThat(mode.followUps(Map.of("mode", "fallback")))
                            .extracting(action -> action.label(), action -> action.url()
                                    .toString())
                            .containsExactly(org.assertj.core.groups.Tuple.tuple(
                                    "Move locks back to Redis", "ballast-action:lock.mode?mode=PRIMARY"));
                    assertThat(mode.followUps(Map.of("mode", "PRIMARY"))).isEmpty();
                    assertThat(locks.mode()).isEqualTo(LockMode.FALLBACK);
                    assertThat(mode.perform(Map.of("mode", "FALLBACK"), "bob"))
                            .startsWith("Locks were already on FALLBACK");
                    assertThat(mode.perform(Map.of("mode", "PRIMARY"), "alice"))
                            .startsWith("Locks are moving to PRIMARY");
                    assertThat(locks.mode()).isEqualTo(LockMode.PRIMARY);
                    assertThatThrownBy(() -> mode.perform(Map.of("mode", "SIDEWAYS"), "alice"))
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessage("mode must be PRIMARY or FALLBACK, was 'SIDEWAYS'");
                });
    }

    @Test
    void theLockModeButtonOnASingleBackendSaysThereIsNoModeToMove() {
        runner().withBean(
                        LockStrategy.class, () -> LocalLockStrategies.create(LockListener.none(), AlertSink.logging()))
                .run(context -> assertThatThrownBy(
                                () -> context.getBean("ballastLockModeOperation", ActionOperation.class)
                                        .perform(Map.of("mode", "FALLBACK"), "alice"))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("not on the resilient chain"));
    }
}
