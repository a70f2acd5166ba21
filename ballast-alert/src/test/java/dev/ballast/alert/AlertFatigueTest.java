package dev.ballast.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.alert.AlertRouterTest.Recording;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 point 11: how many messages a person gets for an incident storm, for the alerts of a scripted chaos-like
 * run and for the raw alerts a real chaos run recorded (src/test/resources/alert-replay), replayed through the router
 * with the default routes and fatigue settings on an injected clock. Deterministic (fixed seed, a fixed recording);
 * prints tables (also written to target/alert-fatigue*.md) that docs/alerting.md records.
 */
class AlertFatigueTest {

    private static final Instant START = Instant.parse("2026-11-30T00:00:00Z");

    record Raw(Duration at, Alert alert) {}

    /**
     * One replay: raw alerts, messages per channel (and how many of Discord's were "Resolved: ..."), CRITICAL
     * fingerprints raised and seen in chat, and the fingerprints whose firing reached chat and that were then reported
     * cleared ({@code resolutionsOwed}), with those whose resolution reached chat ({@code resolutionsSeen}).
     */
    record Result(
            String name,
            int raw,
            Map<String, Integer> perChannel,
            int resolvedInChat,
            Set<String> criticalRaw,
            Set<String> criticalSeen,
            Set<String> resolutionsOwed,
            Set<String> resolutionsSeen) {}

    @Test
    void anIncidentStormOfTenThousandAlertsBecomesFewerThanATenthAsManyMessagesWithEveryCriticalSeen()
            throws Exception {
        Result storm = replay("incident storm", storm());
        Result chaos = replay("chaos-like run", chaosRun());
        String table = table(List.of(storm, chaos));
        System.out.println(table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/alert-fatigue.md"), table);

        for (Result result : List.of(storm, chaos)) {
            for (Map.Entry<String, Integer> channel : result.perChannel().entrySet()) {
                assertThat(channel.getValue())
                        .as("%s: messages on %s", result.name(), channel.getKey())
                        .isLessThanOrEqualTo(result.raw() / 10);
            }
            assertThat(result.criticalSeen()).as(result.name()).containsAll(result.criticalRaw());
        }
        assertThat(storm.raw()).isEqualTo(10_000);
    }

    /** The raw alerts of a real chaos run, recorded by the instances' routers; where they come from: the README beside. */
    static final String RECORDED = "/alert-replay/chaos-run-raw-alerts.jsonl";

    /**
     * The recorded run does not meet the goal of 90 % fewer messages than raw alerts, and this test does not
     * pretend it does: the modules already raise on a change of state (a breaker opening, a rule firing once), so the
     * raw stream holds little to deduplicate; what the router still saves is grouping (5 s, by module) and repeats. It
     * asserts what holds: every CRITICAL fingerprint reaches chat on every instance, every condition chat was told of
     * and a raiser reported cleared is resolved in chat, and no channel gets more than a third as many messages about
     * problems as raw alerts (measured: 28 of 72 on the busiest, 6 of them resolutions; docs/alerting.md).
     */
    @Test
    void theRawAlertsOfARecordedChaosRunReachChatWithEveryCriticalInAThirdAsManyMessagesAndEveryResolutionOwed()
            throws Exception {
        List<RawAlerts.Raw> recorded = RawAlerts.read(
                Path.of(Objects.requireNonNull(AlertFatigueTest.class.getResource(RECORDED))
                        .toURI()),
                "unknown");
        List<Result> perInstance = replayBy(recorded, RawAlerts.Raw::source);
        for (Result result : perInstance) {
            assertThat(result.criticalSeen())
                    .as("%s: every CRITICAL fingerprint reached chat", result.name())
                    .containsAll(result.criticalRaw());
        }
        Result total = total("recorded chaos run (" + perInstance.size() + " instances, a router each)", perInstance);
        // for comparison, not asserted: the instances of a scenario sharing one router (cluster-wide deduplication)
        Result shared = total("the same, one router per scenario", replayBy(recorded, raw -> raw.source()
                .substring(0, raw.source().indexOf('/'))));
        List<Result> rows = new ArrayList<>(perInstance);
        rows.add(total);
        rows.add(shared);
        String table = table(rows);
        System.out.println(table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/alert-fatigue-recorded.md"), table);

        assertThat(total.raw()).isEqualTo(recorded.size());
        assertThat(total.criticalRaw())
                .as("the recording holds CRITICAL alerts")
                .isNotEmpty();
        assertThat(total.criticalSeen()).containsAll(total.criticalRaw());
        // a resolution goes where its firing went (it went to the file channel, routed by an INFO repeat, until a
        // black-box check found a cache hold resolved under a repeat's title): chat is told every condition it heard
        // of is over, and those messages are what a person is owed, not noise
        assertThat(total.resolutionsSeen())
                .as("recorded chaos run: resolutions owed to chat")
                .containsAll(total.resolutionsOwed());
        assertThat(total.resolutionsOwed())
                .as("the recording reports conditions cleared")
                .isNotEmpty();
        for (Map.Entry<String, Integer> channel : total.perChannel().entrySet()) {
            boolean chat =
                    channel.getKey().equals("discord") || channel.getKey().equals("slack");
            assertThat(channel.getValue() - (chat ? total.resolvedInChat() : 0))
                    .as("recorded chaos run: messages about problems on %s", channel.getKey())
                    .isLessThanOrEqualTo(total.raw() / 3);
        }
    }

    /** Replays the alerts of each group ({@code key}) on a router and clock of its own, starting at its first alert. */
    private static List<Result> replayBy(List<RawAlerts.Raw> recorded, Function<RawAlerts.Raw, String> key)
            throws IOException {
        Map<String, List<RawAlerts.Raw>> groups = new TreeMap<>();
        recorded.forEach(raw ->
                groups.computeIfAbsent(key.apply(raw), k -> new ArrayList<>()).add(raw));
        List<Result> results = new ArrayList<>();
        for (Map.Entry<String, List<RawAlerts.Raw>> group : groups.entrySet()) {
            Instant first = group.getValue().stream()
                    .map(RawAlerts.Raw::at)
                    .min(Comparator.naturalOrder())
                    .orElseThrow();
            List<Raw> timed = group.getValue().stream()
                    .map(raw -> new Raw(Duration.between(first, raw.at()), raw.alert()))
                    .sorted(Comparator.comparing(Raw::at))
                    .toList();
            results.add(replay(group.getKey(), timed));
        }
        return results;
    }

    /** The sum of {@code results}: raw alerts and messages added up, CRITICAL fingerprints named by their source. */
    private static Result total(String name, List<Result> results) {
        int raw = 0;
        int resolved = 0;
        Map<String, Integer> perChannel = new LinkedHashMap<>();
        Set<String> criticalRaw = new TreeSet<>();
        Set<String> criticalSeen = new TreeSet<>();
        Set<String> owed = new TreeSet<>();
        Set<String> paid = new TreeSet<>();
        for (Result result : results) {
            raw += result.raw();
            resolved += result.resolvedInChat();
            result.perChannel().forEach((channel, count) -> perChannel.merge(channel, count, Integer::sum));
            result.criticalRaw().forEach(fingerprint -> criticalRaw.add(result.name() + " " + fingerprint));
            result.criticalSeen().forEach(fingerprint -> criticalSeen.add(result.name() + " " + fingerprint));
            result.resolutionsOwed().forEach(fingerprint -> owed.add(result.name() + " " + fingerprint));
            result.resolutionsSeen().forEach(fingerprint -> paid.add(result.name() + " " + fingerprint));
        }
        return new Result(name, raw, perChannel, resolved, criticalRaw, criticalSeen, owed, paid);
    }

    private static Result replay(String name, List<Raw> raws) throws IOException {
        MutableClock clock = new MutableClock(START);
        Recording discord = new Recording("discord");
        Recording slack = new Recording("slack");
        Recording file = new Recording("file") {
            @Override
            public Kind kind() {
                return Kind.FILE;
            }
        };
        Recording log = new Recording("log") {
            @Override
            public Kind kind() {
                return Kind.LOG;
            }
        };
        ChannelSettings fast = ChannelSettings.DEFAULTS.withRate(10_000, 10_000);
        fast = new ChannelSettings(
                100_000, 10_000, 10_000, 4, fast.backoffBase(), fast.backoffCap(), 3, fast.breakerOpenFor());
        AlertRouter router = AlertRouter.builder()
                .clock(clock)
                .channel(discord, fast)
                .channel(slack, fast)
                .channel(file, fast)
                .channel(log, fast)
                .intakeCapacity(100_000)
                .manual()
                .build();
        Duration now = Duration.ZERO;
        Set<String> criticalRaw = new TreeSet<>();
        for (Raw raw : raws) {
            clock.advance(raw.at().minus(now));
            now = raw.at();
            if (raw.alert().severity() == Severity.CRITICAL) {
                criticalRaw.add(raw.alert().fingerprint());
            }
            router.send(raw.alert());
            router.dispatchPending(false);
        }
        clock.advance(Duration.ofHours(1));
        router.dispatchPending(true);
        router.close();
        Set<String> criticalSeen = new TreeSet<>();
        for (Recording chat : List.of(discord, slack)) {
            for (Message message : chat.messages) {
                message.alerts().stream()
                        .filter(alert -> alert.severity() == Severity.CRITICAL)
                        .forEach(alert -> criticalSeen.add(alert.fingerprint()));
            }
        }
        // a fingerprint whose firing reached chat and that a raiser then reported cleared: chat is owed its resolution
        Set<String> firedInChat = new TreeSet<>();
        Set<String> owed = new TreeSet<>();
        Set<String> paid = new TreeSet<>();
        for (Message message : discord.messages) {
            for (Alert alert : message.alerts()) {
                if (message.kind() == Message.Kind.RESOLVED) {
                    paid.add(alert.fingerprint());
                } else {
                    firedInChat.add(alert.fingerprint());
                }
            }
        }
        for (Raw raw : raws) {
            if (AlertStatus.isResolved(raw.alert())
                    && firedInChat.contains(raw.alert().fingerprint())) {
                owed.add(raw.alert().fingerprint());
            }
        }
        int resolvedInChat = (int) discord.messages.stream()
                .filter(m -> m.kind() == Message.Kind.RESOLVED)
                .count();
        Map<String, Integer> perChannel = new LinkedHashMap<>();
        for (Recording channel : List.of(discord, slack, file, log)) {
            perChannel.put(channel.name(), (int) channel.messages.stream()
                    .filter(m -> m.kind() != Message.Kind.HEARTBEAT)
                    .count());
        }
        return new Result(name, raws.size(), perChannel, resolvedInChat, criticalRaw, criticalSeen, owed, paid);
    }

    /**
     * 10,000 alerts over 2 hours and 30 fingerprints (5 CRITICAL, 15 WARNING, 10 INFO): each repeats while its
     * condition lasts, four flap between firing and resolved, and at 60 min a correlated burst (a Redis outage) makes
     * twenty of them fire within ten seconds and repeat for five minutes.
     */
    static List<Raw> storm() {
        Random random = new Random(42);
        List<Raw> raws = new ArrayList<>();
        String[] modules = {"outbox", "cache", "lock", "executor", "alert"};
        List<Alert> firing = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Severity severity = i < 5 ? Severity.CRITICAL : i < 20 ? Severity.WARNING : Severity.INFO;
            firing.add(Alert.builder(severity, "Condition " + i + " of " + modules[i % 5])
                    .detail("generated")
                    .fingerprint("storm-" + i)
                    .label("module", modules[i % 5])
                    .build());
        }
        // flapping: fingerprints 5..8 toggle every 20-60 s for the first 40 minutes
        for (int i = 5; i < 9; i++) {
            long t = random.nextInt(60);
            boolean on = true;
            while (t < 40 * 60) {
                Alert alert = firing.get(i);
                raws.add(new Raw(Duration.ofSeconds(t), on ? alert : AlertStatus.resolved(alert)));
                on = !on;
                t += 20 + random.nextInt(41);
            }
        }
        // the correlated burst at 60 min: 20 fingerprints (all CRITICAL among them) within 10 s, repeating for 5 min
        for (int i = 0; i < 20; i++) {
            Alert alert = firing.get(i < 5 ? i : 9 + i);
            long t = 3_600 + random.nextInt(10);
            while (t < 3_600 + 300) {
                raws.add(new Raw(Duration.ofSeconds(t), alert));
                t += 3 + random.nextInt(5);
            }
            raws.add(new Raw(Duration.ofSeconds(3_600 + 300 + random.nextInt(60)), AlertStatus.resolved(alert)));
        }
        // steady repeats: the rest of the 10,000 spread over the 2 hours, each fingerprint in a few episodes
        while (raws.size() < 10_000) {
            int i = random.nextInt(30);
            if (i >= 5 && i < 9) {
                continue;
            }
            long t = random.nextInt(7_200);
            raws.add(new Raw(Duration.ofSeconds(t), firing.get(i)));
            if (random.nextInt(40) == 0 && raws.size() < 10_000) {
                raws.add(new Raw(Duration.ofSeconds(t + 1 + random.nextInt(30)), AlertStatus.resolved(firing.get(i))));
            }
        }
        raws.sort(Comparator.comparing(Raw::at));
        return raws.subList(0, 10_000);
    }

    /**
     * The alerts the modules raise, with their own titles and fingerprints, over a 30-minute scripted fault run (Redis
     * killed and restarted twice, the broker down for 3 minutes, a poisoned event, a paused lock holder); the rules
     * re-evaluate every 5 s, so a lasting condition repeats. A script: the recorded run (below) shows the modules raise far
     * less than this, once per change of state.
     */
    static List<Raw> chaosRun() {
        List<Raw> raws = new ArrayList<>();
        Alert redisDown =
                alert(Severity.WARNING, "Cache 'quotes': Redis L2 unavailable", "ballast-cache-l2|quotes", "cache");
        Alert lockMode = alert(Severity.WARNING, "Locks failed over from redis to jdbc", "lock-mode|jdbc", "lock");
        Alert relayPaused =
                alert(Severity.WARNING, "Outbox relay paused: broker unreachable", "outbox-outage|relay-1", "outbox");
        Alert backlog =
                alert(Severity.WARNING, "Outbox oldest pending event is 95 s old", "outbox-pending-age", "outbox");
        Alert backlogCritical =
                alert(Severity.CRITICAL, "Outbox oldest pending event is 320 s old", "outbox-pending-age", "outbox");
        Alert dlq = alert(Severity.CRITICAL, "Outbox dead letters: 1 unresolved", "outbox-dead-letters", "outbox");
        Alert leaseLost = alert(Severity.WARNING, "Lock lease lost", "lock-lease-lost|redis|account:A-7", "lock");
        Alert errorRatio = alert(
                Severity.WARNING, "Task Order.Place fails 12 % of calls", "task-error-ratio|Order|Place", "executor");
        for (int round = 0; round < 2; round++) {
            long base = round * 600L;
            every(raws, redisDown, base + 60, base + 240, 5); // Redis down 3 minutes, seen by every get
            every(raws, lockMode, base + 62, base + 240, 5);
            every(raws, errorRatio, base + 70, base + 240, 5);
            raws.add(new Raw(Duration.ofSeconds(base + 241), AlertStatus.resolved(redisDown)));
            raws.add(new Raw(Duration.ofSeconds(base + 242), AlertStatus.resolved(lockMode)));
            raws.add(new Raw(Duration.ofSeconds(base + 245), AlertStatus.resolved(errorRatio)));
        }
        every(raws, relayPaused, 1_300, 1_480, 2);
        every(raws, backlog, 1_360, 1_600, 5);
        every(raws, backlogCritical, 1_600, 1_640, 5);
        raws.add(new Raw(Duration.ofSeconds(1_650), AlertStatus.resolved(backlogCritical)));
        every(raws, dlq, 1_500, 1_700, 5);
        raws.add(new Raw(Duration.ofSeconds(1_701), AlertStatus.resolved(dlq)));
        every(raws, leaseLost, 1_750, 1_760, 1);
        raws.sort(Comparator.comparing(Raw::at));
        return raws;
    }

    private static void every(List<Raw> raws, Alert alert, long from, long to, int step) {
        for (long t = from; t < to; t += step) {
            raws.add(new Raw(Duration.ofSeconds(t), alert));
        }
    }

    private static Alert alert(Severity severity, String title, String fingerprint, String module) {
        return Alert.builder(severity, title)
                .fingerprint(fingerprint)
                .label("module", module)
                .build();
    }

    private static String table(List<Result> results) {
        StringBuilder out = new StringBuilder(
                "| replay | raw alerts | discord | slack | file | log | fewest / most vs raw | CRITICAL fingerprints raw / seen in chat |"
                        + " resolved messages in chat (owed / sent) |\n"
                        + "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result result : results) {
            int most = result.perChannel().values().stream()
                    .mapToInt(Integer::intValue)
                    .max()
                    .orElse(0);
            out.append("| ").append(result.name()).append(" | ").append(result.raw());
            result.perChannel().values().forEach(count -> out.append(" | ").append(count));
            out.append(" | ")
                    .append(String.format(
                            "%.1f %% fewer (busiest channel)", 100.0 * (result.raw() - most) / result.raw()));
            out.append(" | ")
                    .append(result.criticalRaw().size())
                    .append(" / ")
                    .append(result.criticalSeen().size())
                    .append(" | ")
                    .append(result.resolvedInChat())
                    .append(" (")
                    .append(result.resolutionsOwed().size())
                    .append(" / ")
                    .append(result.resolutionsSeen().size())
                    .append(") |\n");
        }
        return out.toString();
    }
}
