package dev.ballast.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.alert.AlertRouterTest.Recording;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.FaultProxy;
import dev.ballast.test.LocalDatabases;
import dev.ballast.test.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deduplication across the instances of a service through a {@link JdbcDedupLedger} on the machine's real PostgreSQL
 * and MariaDB: several routers (one per instance) share a table and one injected clock. Ends with the recorded chaos
 * run replayed with the instances of each scenario sharing a ledger (issue 12 point 11; docs/alerting.md records the
 * table it prints).
 */
class SharedDedupIT {

    private static final Instant START = Instant.parse("2026-11-30T00:00:00Z");

    private static HikariDataSource postgres;
    private static HikariDataSource mariadb;

    private final List<String> tables = new ArrayList<>();
    private final List<AlertRouter> routers = new ArrayList<>();

    @BeforeAll
    static void databases() {
        postgres = LocalDatabases.postgres();
        mariadb = LocalDatabases.mariadb();
    }

    @AfterAll
    static void closeDatabases() {
        postgres.close();
        mariadb.close();
    }

    @AfterEach
    void dropTables() throws Exception {
        routers.forEach(AlertRouter::close);
        for (String table : tables) {
            for (DataSource database : List.of(postgres, mariadb)) {
                try (Connection connection = database.getConnection();
                        Statement statement = connection.createStatement()) {
                    statement.execute("DROP TABLE IF EXISTS " + table);
                }
            }
        }
    }

    record Instance(AlertRouter router, Recording chat) {}

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void ofTwoInstancesRaisingTheSameAlertOneSendsAndTheOtherCountsOnItsClaim(String database) {
        String prefix = prefix();
        MutableClock clock = new MutableClock(START);
        Instance a = instance(clock, ledger(db(database), prefix));
        Instance b = instance(clock, ledger(db(database), prefix));

        send(a, Severity.WARNING, "redis-down");
        send(b, Severity.WARNING, "redis-down");
        clock.advance(Duration.ofMinutes(1));
        send(b, Severity.WARNING, "redis-down");
        send(b, Severity.WARNING, "redis-down");

        // an escalation is another claim: the first instance to see it sends it
        send(b, Severity.CRITICAL, "redis-down");
        send(a, Severity.CRITICAL, "redis-down");
        assertThat(delivered(a, b)).containsExactly("a: Redis down ×0", "b: Redis down ×0");
        assertThat(severities(a, b)).containsExactly("a: WARNING", "b: CRITICAL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void theNextMessageCountsTheRepeatsOfEveryInstanceWhicheverSendsIt(String database) {
        String prefix = prefix();
        MutableClock clock = new MutableClock(START);
        Instance a = instance(clock, ledger(db(database), prefix));
        Instance b = instance(clock, ledger(db(database), prefix));

        send(a, Severity.WARNING, "redis-down"); // the message; then 10 raises within its window, 5 on each instance
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(20));
            send(a, Severity.WARNING, "redis-down");
            send(b, Severity.WARNING, "redis-down");
        }
        clock.advance(Duration.ofMinutes(4)); // a's claim is over: b sees it next and sends
        tick(a, b);
        send(b, Severity.WARNING, "redis-down");
        clock.advance(Duration.ofMinutes(6)); // and after b's claim, a sends: the count started afresh
        send(a, Severity.WARNING, "redis-down");
        tick(a, b);
        send(a, Severity.WARNING, "redis-down");

        // b: the 10 repeats of both instances; a's second message: none since b's, its own 5 went into b's count
        assertThat(delivered(a, b)).containsExactly("a: Redis down ×0", "a: Redis down ×0", "b: Redis down ×10");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void aStormOfAThousandRaisesOnTwoInstancesCostsAFewStatementsAndIsCountedInFull(String database) {
        String prefix = prefix();
        MutableClock clock = new MutableClock(START);
        JdbcDedupLedger ledgerA = ledger(db(database), prefix);
        JdbcDedupLedger ledgerB = ledger(db(database), prefix);
        Instance a = instance(clock, ledgerA);
        Instance b = instance(clock, ledgerB);

        for (int i = 0; i < 1_000; i++) { // 100 ms apart, alternating instances: 100 s
            send(i % 2 == 0 ? a : b, Severity.CRITICAL, "dead-letters");
            clock.advance(Duration.ofMillis(100));
        }
        long storm = ledgerA.statements() + ledgerB.statements();
        System.out.println("1,000 raises on two instances (" + database + "): " + storm + " statements");
        clock.advance(Duration.ofMinutes(5));
        tick(a, b);
        send(b, Severity.CRITICAL, "dead-letters");

        // per instance and 5 s at most one claim (<= 3 statements) and one write of its local count, one per key
        assertThat(storm).isLessThanOrEqualTo(2 * (100 / 5 + 1) * 4);
        assertThat(delivered(a, b)).containsExactly("a: Dead letters ×0", "b: Dead letters ×999");
    }

    @Test
    void theTableFromTheShippedScriptWorksOnH2() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:dedup-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        MutableClock clock = new MutableClock(START);
        Instance a = instance(clock, ledger(h2, "ballast_"));
        Instance b = instance(clock, ledger(h2, "ballast_"));

        send(a, Severity.WARNING, "redis-down");
        send(b, Severity.WARNING, "redis-down");
        clock.advance(Duration.ofMinutes(6));
        send(b, Severity.WARNING, "redis-down");

        assertThat(delivered(a, b)).containsExactly("a: Redis down ×0", "b: Redis down ×1");
    }

    /**
     * The database goes away behind a fault proxy (every packet dropped, as in a network partition): the first alert
     * waits for the ledger at most its bound (2 s) instead of the pool's 30 s connection timeout, the breaker then skips
     * the ledger, so ten alerts reach the channel within one bound in all; after the cool-down (on the router's clock)
     * and the network's return, one probe finds the ledger again.
     */
    @Test
    void whileTheDatabaseIsUnreachableAlertsWaitForTheLedgerAtMostOneBoundInAll() throws Exception {
        String prefix = prefix();
        ledger(postgres, prefix); // the table
        MutableClock clock = new MutableClock(START);
        HikariConfig config = new HikariConfig();
        try (FaultProxy proxy = FaultProxy.start(5432)) {
            config.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/test");
            config.setUsername("postgres");
            config.setMaximumPoolSize(2); // Hikari's default connection timeout: 30 s
            try (HikariDataSource throughProxy = new HikariDataSource(config)) {
                JdbcDedupLedger ledger = new JdbcDedupLedger(throughProxy, prefix);
                Instance a = instance(clock, ledger, UNGROUPED);
                Instance b = instance(clock, ledger(postgres, prefix), UNGROUPED);
                send(a, Severity.WARNING, "before");
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> a.chat().messages.size() == 1);

                proxy.blackhole();
                long start = System.nanoTime();
                for (int i = 0; i < 10; i++) {
                    a.router().send(alert(Severity.CRITICAL, "outage-" + i));
                }
                a.router().dispatchPending(false);
                await().atMost(Duration.ofSeconds(3))
                        .until(() -> a.chat().messages.size() == 11);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(took).isLessThan(Duration.ofSeconds(3));

                clock.advance(Duration.ofSeconds(10)); // within the cool-down: skipped at once
                start = System.nanoTime();
                send(a, Severity.CRITICAL, "outage-late");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));

                proxy.heal();
                await().atMost(Duration.ofSeconds(40)).until(ledger::idle);
                clock.advance(Duration.ofSeconds(30)); // the cool-down is over: the next claim probes
                send(a, Severity.CRITICAL, "after");
                send(b, Severity.CRITICAL, "after");
                // the probe claimed "after" in the ledger: b held it back
                assertThat(delivered(a, b)).hasSize(13).allMatch(line -> line.startsWith("a: "));
            }
        }
    }

    private static List<String> severities(Instance a, Instance b) {
        List<String> out = new ArrayList<>();
        a.chat().messages.forEach(message -> out.add("a: " + message.severity()));
        b.chat().messages.forEach(message -> out.add("b: " + message.severity()));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void afterTheWindowTheNextInstanceToSeeItSendsWithTheRepeatsTheOthersCounted(String database) {
        String prefix = prefix();
        MutableClock clock = new MutableClock(START);
        Instance a = instance(clock, ledger(db(database), prefix));
        Instance b = instance(clock, ledger(db(database), prefix));

        send(a, Severity.WARNING, "redis-down");
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMinutes(1));
            send(b, Severity.WARNING, "redis-down");
        }
        clock.advance(Duration.ofMinutes(2)); // 5 min after a's message: its claim is over
        send(b, Severity.WARNING, "redis-down");

        assertThat(delivered(a, b)).containsExactly("a: Redis down ×0", "b: Redis down ×3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void aResolutionEndsTheClaimSoAnInstanceWhereItStillFiresAnnouncesIt(String database) {
        String prefix = prefix();
        MutableClock clock = new MutableClock(START);
        Instance a = instance(clock, ledger(db(database), prefix));
        Instance b = instance(clock, ledger(db(database), prefix));

        send(a, Severity.WARNING, "redis-down");
        send(b, Severity.WARNING, "redis-down");
        clock.advance(Duration.ofSeconds(30));
        tick(a, b); // the group wait is long over: the router's thread has sent a's firing message by now
        a.router().send(AlertStatus.resolved(alert(Severity.WARNING, "redis-down")));
        dispatch(a, b);
        clock.advance(Duration.ofSeconds(10));
        send(b, Severity.WARNING, "redis-down");

        // the resolved message counts b's raise on a's claim
        assertThat(delivered(a, b))
                .containsExactly("a: Redis down ×0", "a: Resolved: Redis down ×1", "b: Redis down ×0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void aResolutionThatReachesTheInstanceThatDidNotSendIsAnnouncedOnceWithTheServiceWideCount(String database) {
        String prefix = prefix();
        MutableClock clock = new MutableClock(START);
        Instance a = instance(clock, ledger(db(database), prefix));
        Instance b = instance(clock, ledger(db(database), prefix));

        send(a, Severity.WARNING, "redis-down"); // a sends; then 5 raises on each instance within its window
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(20));
            send(a, Severity.WARNING, "redis-down");
            send(b, Severity.WARNING, "redis-down");
        }
        clock.advance(Duration.ofSeconds(10));
        tick(a, b); // a writes the repeats it held back
        // Alertmanager posts the resolution to b, which never sent; later the same resolution reaches a as well
        b.router().send(AlertStatus.resolved(alert(Severity.WARNING, "redis-down")));
        dispatch(b);
        a.router().send(AlertStatus.resolved(alert(Severity.WARNING, "redis-down")));
        dispatch(a);

        assertThat(delivered(a, b)).containsExactly("a: Redis down ×0", "b: Resolved: Redis down ×10");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void afterAnotherInstanceResolvedItTheSenderAnnouncesTheNextFiringWithinOneFlush(String database) {
        String prefix = prefix();
        MutableClock clock = new MutableClock(START);
        Instance a = instance(clock, ledger(db(database), prefix));
        Instance b = instance(clock, ledger(db(database), prefix));

        send(a, Severity.WARNING, "redis-down");
        send(b, Severity.WARNING, "redis-down");
        clock.advance(Duration.ofSeconds(30));
        b.router().send(AlertStatus.resolved(alert(Severity.WARNING, "redis-down"))); // reaches b only
        dispatch(b);
        clock.advance(Duration.ofSeconds(10));
        send(a, Severity.WARNING, "redis-down"); // fires again on a, inside a's own window: held as a repeat ...
        clock.advance(Duration.ofSeconds(5));
        tick(a); // ... whose claim a finds gone when it writes the repeat: a forgets its announcement
        send(a, Severity.WARNING, "redis-down");

        assertThat(delivered(a, b))
                .containsExactly("a: Redis down ×0", "a: Redis down ×0", "b: Resolved: Redis down ×1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql"})
    void aLedgerThatCannotAnswerLetsTheMessageThrough(String database) throws Exception {
        String prefix = prefix();
        MutableClock clock = new MutableClock(START);
        JdbcDedupLedger ledger = ledger(db(database), prefix);
        Instance a = instance(clock, ledger);
        try (Connection connection = db(database).getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE " + ledger.table());
        }

        send(a, Severity.CRITICAL, "dead-letters");

        assertThat(delivered(a)).containsExactly("a: Redis down ×0".replace("Redis down", "Dead letters"));
    }

    /**
     * The recorded chaos run (src/test/resources/alert-replay) with the two instances of each scenario sharing a ledger
     * on PostgreSQL, a router each, on one clock: fewer messages than a router per instance without a ledger, every
     * CRITICAL fingerprint in chat.
     */
    @ParameterizedTest
    @ValueSource(strings = {"postgresql"})
    void theRecordedChaosRunWithALedgerPerServiceSendsEveryCriticalInFewerMessages(String database) throws Exception {
        List<RawAlerts.Raw> recorded = RawAlerts.read(
                Path.of(Objects.requireNonNull(SharedDedupIT.class.getResource(AlertFatigueTest.RECORDED))
                        .toURI()),
                "unknown");
        Map<String, List<RawAlerts.Raw>> scenarios = new TreeMap<>();
        recorded.forEach(raw -> scenarios
                .computeIfAbsent(raw.source().substring(0, raw.source().indexOf('/')), k -> new ArrayList<>())
                .add(raw));
        StringBuilder table = new StringBuilder("| scenario | raw | chat, a router per instance | chat, shared ledger |"
                + " chat, shared ledger + one group per service (30 s) | CRITICAL fingerprints raw / seen (shared;"
                + " shared + grouped) |\n|---|---:|---:|---:|---:|---:|\n");
        int raw = 0;
        int alone = 0;
        int together = 0;
        int grouped = 0;
        Set<String> criticalSeenGrouped = new TreeSet<>();
        Set<String> criticalRaw = new TreeSet<>();
        Set<String> criticalSeen = new TreeSet<>();
        for (Map.Entry<String, List<RawAlerts.Raw>> scenario : scenarios.entrySet()) {
            Replay without = replay(scenario.getValue(), null, List.of());
            Replay with = replay(scenario.getValue(), db(database), List.of());
            Replay incident = replay(scenario.getValue(), db(database), ONE_GROUP_PER_SERVICE);
            grouped += incident.chat();
            incident.criticalSeen().forEach(f -> criticalSeenGrouped.add(scenario.getKey() + " " + f));
            raw += scenario.getValue().size();
            alone += without.chat();
            together += with.chat();
            with.criticalRaw().forEach(f -> criticalRaw.add(scenario.getKey() + " " + f));
            with.criticalSeen().forEach(f -> criticalSeen.add(scenario.getKey() + " " + f));
            table.append(String.format(
                    "| %s | %d | %d | %d | %d | %d / %d; %d |%n",
                    scenario.getKey(),
                    scenario.getValue().size(),
                    without.chat(),
                    with.chat(),
                    incident.chat(),
                    with.criticalRaw().size(),
                    with.criticalSeen().size(),
                    incident.criticalSeen().size()));
        }
        table.append(String.format(
                "| all | %d | %d (%.1f %% fewer) | %d (%.1f %% fewer) | %d (%.1f %% fewer) | %d / %d; %d |%n",
                raw,
                alone,
                100.0 * (raw - alone) / raw,
                together,
                100.0 * (raw - together) / raw,
                grouped,
                100.0 * (raw - grouped) / raw,
                criticalRaw.size(),
                criticalSeen.size(),
                criticalSeenGrouped.size()));
        System.out.println(table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/alert-fatigue-shared.md"), table);

        assertThat(criticalSeen).containsAll(criticalRaw);
        assertThat(criticalSeenGrouped).containsAll(criticalRaw);
        assertThat(grouped).isLessThanOrEqualTo(together);
        assertThat(alone)
                .as("a router per instance, as AlertFatigueTest measures it")
                .isEqualTo(28);
        assertThat(together).isLessThan(alone);
    }

    /** Every CRITICAL and WARNING alert to chat at once (no grouping wait). */
    private static final List<Route> UNGROUPED = List.of(new Route(
            "chat",
            Set.of(Severity.CRITICAL, Severity.WARNING),
            Map.of(),
            List.of("chat"),
            false,
            List.of(),
            Duration.ZERO));

    record Replay(int chat, Set<String> criticalRaw, Set<String> criticalSeen) {}

    /**
     * Every CRITICAL and WARNING alert of a service that arrives within 30 s of the first becomes one message, whatever
     * its module: grouped by a label no alert carries ("incident"), so all share its empty value. One incident's alerts
     * from several modules (a Redis outage: cache and lock) then reach a person together; the merged message lists
     * every alert, so no CRITICAL is hidden.
     */
    static final List<Route> ONE_GROUP_PER_SERVICE = List.of(
            new Route(
                    "chat",
                    Set.of(Severity.CRITICAL, Severity.WARNING),
                    Map.of(),
                    List.of("chat"),
                    false,
                    List.of("incident"),
                    Duration.ofSeconds(30)),
            Route.of("info", Severity.INFO, List.of(AlertRouter.LOG_CHANNEL)));

    /**
     * The instances of one scenario, a router each, on one clock; with {@code database}, sharing a ledger there; with
     * {@code routes}, those instead of the defaults.
     */
    private Replay replay(List<RawAlerts.Raw> raws, DataSource database, List<Route> routes) {
        MutableClock clock = new MutableClock(START);
        String prefix = prefix();
        Map<String, Instance> instances = new LinkedHashMap<>();
        Instant first = raws.stream()
                .map(RawAlerts.Raw::at)
                .min(Comparator.naturalOrder())
                .orElseThrow();
        List<RawAlerts.Raw> timed =
                raws.stream().sorted(Comparator.comparing(RawAlerts.Raw::at)).toList();
        Duration now = Duration.ZERO;
        Set<String> criticalRaw = new TreeSet<>();
        for (RawAlerts.Raw raw : timed) {
            Instance instance = instances.computeIfAbsent(
                    raw.source(),
                    source -> instance(clock, database == null ? DedupLedger.NONE : ledger(database, prefix)));
            Duration at = Duration.between(first, raw.at());
            clock.advance(at.minus(now));
            now = at;
            if (raw.alert().severity() == Severity.CRITICAL) {
                criticalRaw.add(raw.alert().fingerprint());
            }
            instance.router().send(raw.alert());
            instances.values().forEach(each -> each.router().dispatchPending(false));
        }
        clock.advance(Duration.ofHours(1));
        instances.values().forEach(each -> each.router().dispatchPending(true));
        int chat = 0;
        Set<String> criticalSeen = new TreeSet<>();
        for (Instance instance : instances.values()) {
            instance.router().close();
            routers.remove(instance.router());
            chat += instance.chat().messages.size();
            instance.chat().messages.forEach(message -> message.alerts().stream()
                    .filter(alert -> alert.severity() == Severity.CRITICAL)
                    .forEach(alert -> criticalSeen.add(alert.fingerprint())));
        }
        return new Replay(chat, criticalRaw, criticalSeen);
    }

    private Instance instance(MutableClock clock, DedupLedger ledger) {
        return instance(clock, ledger, List.of());
    }

    private Instance instance(MutableClock clock, DedupLedger ledger, List<Route> routes) {
        Recording chat = new Recording("chat");
        AlertRouter.Builder builder = AlertRouter.builder()
                .clock(clock)
                .channel(
                        chat,
                        routes == UNGROUPED ? ChannelSettings.DEFAULTS.withRate(1_000, 100) : ChannelSettings.DEFAULTS)
                .sharedDedup(ledger)
                .manual();
        routes.forEach(builder::route);
        AlertRouter router = builder.build();
        routers.add(router);
        return new Instance(router, chat);
    }

    /** A ledger (an instance) on the table the shipped script creates. */
    private static JdbcDedupLedger ledger(DataSource database, String prefix) {
        JdbcDedupLedger ledger = new JdbcDedupLedger(database, prefix);
        ledger.createTable();
        return ledger;
    }

    private String prefix() {
        String prefix = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) + "_";
        tables.add(prefix + "alert_dedup");
        return prefix;
    }

    private static DataSource db(String name) {
        return name.equals("postgresql") ? postgres : mariadb;
    }

    private static Alert alert(Severity severity, String fingerprint) {
        String title = fingerprint.equals("redis-down") ? "Redis down" : "Dead letters";
        return Alert.builder(severity, title).fingerprint(fingerprint).build();
    }

    private static void send(Instance instance, Severity severity, String fingerprint) {
        instance.router().send(alert(severity, fingerprint));
        instance.router().dispatchPending(false);
    }

    /** A dispatcher tick on each instance (due or not), as the router's own thread runs one every 250 ms. */
    private static void tick(Instance... instances) {
        for (Instance instance : instances) {
            instance.router().dispatchPending(true);
        }
    }

    private static void dispatch(Instance... instances) {
        for (Instance instance : instances) {
            instance.router().dispatchPending(false);
        }
    }

    /** What each instance's chat channel got, once its router has closed: "a: title ×repeats". */
    private List<String> delivered(Instance... instances) {
        List<String> out = new ArrayList<>();
        char name = 'a';
        for (Instance instance : instances) {
            instance.router().close();
            routers.remove(instance.router());
            for (Message message : instance.chat().messages) {
                out.add(name + ": " + message.title() + " ×" + message.repeats());
            }
            name++;
        }
        return out;
    }
}
