package dev.ballast.alert.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import dev.ballast.test.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

class ActionServiceTest {

    static final byte[] KEY_1 = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final byte[] KEY_2 = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));
    private final AtomicInteger replays = new AtomicInteger();
    private final List<Alert> audit = new CopyOnWriteArrayList<>();
    private final ActionOperation replay = new ActionOperation() {
        @Override
        public String name() {
            return "outbox.replay-dead-letters";
        }

        @Override
        public String describe(Map<String, String> arguments) {
            return "Replay the dead letters";
        }

        @Override
        public String perform(Map<String, String> arguments, String actor) {
            return "Replayed " + replays.incrementAndGet();
        }
    };

    private ActionSigner signer(Map<String, byte[]> keys, String current) {
        return new ActionSigner(
                keys, current, URI.create("https://svc.example/"), Duration.ofHours(1), clock, name -> true);
    }

    private ActionService service(ActionSigner signer, ActionLedger ledger) {
        return new ActionService(signer, ActionService.byName(List.of(replay)), ledger, audit::add, clock);
    }

    private static String token(ActionSigner signer) {
        Alert alert = Alert.builder(Severity.CRITICAL, "Dead letters")
                .fingerprint("outbox-dead-letters")
                .build();
        AlertAction link = signer.link(
                        alert, AlertAction.operation("Replay", "outbox.replay-dead-letters", Map.of("x", "1")))
                .orElseThrow();
        String url = link.url().toString();
        assertThat(url).startsWith("https://svc.example/ballast/actions/");
        return url.substring(url.lastIndexOf('/') + 1);
    }

    @Test
    void aPreviewChangesNothingAndAPostPerformsOnceThenReplaysAreRefused() {
        ActionSigner signer = signer(Map.of("k1", KEY_1), "k1");
        ActionService service = service(signer, new InMemoryActionLedger());
        String token = token(signer);

        ActionService.Preview preview = service.preview(token);
        service.preview(token);
        assertThat(preview.description()).isEqualTo("Replay the dead letters");
        assertThat(preview.token().arguments()).containsEntry("x", "1");
        assertThat(preview.token().fingerprint()).isEqualTo("outbox-dead-letters");
        assertThat(preview.earlier()).isEmpty();
        assertThat(replays).hasValue(0);

        ActionRecord done = service.perform(token, "alice");
        assertThat(done.outcome()).isEqualTo(ActionRecord.Outcome.DONE);
        assertThat(done.result()).isEqualTo("Replayed 1");
        // found by a black-box check: a used link's JSON described what a new click would do next to "used": true
        assertThat(service.preview(token).description())
                .isEqualTo("Already performed by alice at 2026-11-30T10:00:00Z: Replayed 1.");
        assertThatThrownBy(() -> service.perform(token, "bob")).isInstanceOfSatisfying(ActionException.class, e -> {
            assertThat(e.reason()).isEqualTo(ActionException.Reason.ALREADY_DONE);
            assertThat(e.reason().status()).isEqualTo(409);
            assertThat(e.record().actor()).isEqualTo("alice");
        });
        assertThat(replays).hasValue(1);
        assertThat(service.preview(token).earlier())
                .hasValueSatisfying(r -> assertThat(r.actor()).isEqualTo("alice"));
        assertThat(audit).singleElement().satisfies(alert -> {
            assertThat(alert.severity()).isEqualTo(Severity.INFO);
            assertThat(alert.title()).isEqualTo("Action 'outbox.replay-dead-letters' done by alice");
        });
    }

    @Test
    void anOperationThatHoldsAStateReportsItsWayBackAsAButtonOnAWarningThatReachesChat() {
        // found by a black-box check: after "Switch locks to the database" nothing offered the way back
        ActionOperation pause = new ActionOperation() {
            @Override
            public String name() {
                return "outbox.relay.pause";
            }

            @Override
            public String describe(Map<String, String> arguments) {
                return "Pause the relay";
            }

            @Override
            public String perform(Map<String, String> arguments, String actor) {
                return "Relay paused";
            }

            @Override
            public List<AlertAction> followUps(Map<String, String> arguments) {
                return List.of(AlertAction.operation("Resume the relay", "outbox.relay.resume", Map.of()));
            }
        };
        ActionSigner signer = signer(Map.of("k1", KEY_1), "k1");
        ActionService service = new ActionService(
                signer, ActionService.byName(List.of(pause)), new InMemoryActionLedger(), audit::add, clock);
        Alert alert = Alert.builder(Severity.CRITICAL, "Backlog")
                .fingerprint("outbox-pending-age")
                .build();
        String url = signer.link(alert, AlertAction.operation("Pause", "outbox.relay.pause", Map.of()))
                .orElseThrow()
                .url()
                .toString();

        service.perform(url.substring(url.lastIndexOf('/') + 1), "alice");

        assertThat(audit).singleElement().satisfies(done -> {
            assertThat(done.title()).isEqualTo("Action 'outbox.relay.pause' done by alice");
            // found by a second black-box check: as INFO it went to the log and the file only (the default routes),
            // so the way back never reached the chat the button was pressed in
            assertThat(done.severity())
                    .as("a state someone must end is a WARNING, which the default routes send to chat")
                    .isEqualTo(Severity.WARNING);
            assertThat(done.actions())
                    .extracting(AlertAction::label, action -> action.url().toString())
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(
                            "Resume the relay", "ballast-action:outbox.relay.resume"));
        });
    }

    @Test
    void aLinkAnOperatorSignedForThemselvesTellsTheOperationWhoAskedAsWellAsWhoPerformedIt() {
        // found by a black-box check: without Spring Security the relays' pause recorded only anonymous@127.0.0.1
        List<String> actors = new CopyOnWriteArrayList<>();
        ActionOperation recording = new ActionOperation() {
            @Override
            public String name() {
                return "outbox.relay.pause";
            }

            @Override
            public String describe(Map<String, String> arguments) {
                return "Pause";
            }

            @Override
            public String perform(Map<String, String> arguments, String actor) {
                actors.add(actor);
                return "Paused";
            }
        };
        ActionSigner signer = signer(Map.of("k1", KEY_1), "k1");
        ActionService service = new ActionService(
                signer, ActionService.byName(List.of(recording)), new InMemoryActionLedger(), audit::add, clock);
        String forKim = tokenOf(signer.link("outbox.relay.pause", Map.of(), "actuator|ops-kim"));
        String forLee = tokenOf(signer.link("outbox.relay.pause", Map.of(), "actuator|ops-lee"));
        String fromAnAlert = tokenOf(signer.link("outbox.relay.pause", Map.of(), "outbox-pending-age"));

        ActionRecord done = service.perform(forKim, "anonymous@127.0.0.1");
        service.perform(forLee, "ops-lee");
        service.perform(fromAnAlert, "anonymous@10.0.0.7");

        assertThat(actors)
                .containsExactly("ops-kim (link performed by anonymous@127.0.0.1)", "ops-lee", "anonymous@10.0.0.7");
        assertThat(done.actor()).as("the audit keeps the performer").isEqualTo("anonymous@127.0.0.1");
    }

    private static String tokenOf(java.util.Optional<URI> url) {
        String text = url.orElseThrow().toString();
        return text.substring(text.lastIndexOf('/') + 1);
    }

    @Test
    void anExpiredLinkIsGoneAndChangesNothing() {
        ActionSigner signer = signer(Map.of("k1", KEY_1), "k1");
        ActionService service = service(signer, new InMemoryActionLedger());
        String token = token(signer);

        clock.advance(Duration.ofHours(1));

        assertThatThrownBy(() -> service.perform(token, "alice"))
                .isInstanceOfSatisfying(
                        ActionException.class,
                        e -> assertThat(e.reason().status()).isEqualTo(410));
        assertThat(replays).hasValue(0);
    }

    @Test
    void aTamperedLinkIsForbidden() {
        ActionSigner signer = signer(Map.of("k1", KEY_1), "k1");
        ActionService service = service(signer, new InMemoryActionLedger());
        String token = token(signer);
        String payload = new String(
                Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))), StandardCharsets.UTF_8);
        String changed = Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(
                                payload.replace("\"x\":\"1\"", "\"x\":\"2\"").getBytes(StandardCharsets.UTF_8))
                + token.substring(token.indexOf('.'));
        String resigned = token.substring(0, token.indexOf('.') + 1) + "AAAA" + token.substring(token.indexOf('.') + 5);

        for (String bad : List.of(changed, resigned)) {
            assertThatThrownBy(() -> service.perform(bad, "mallory"))
                    .isInstanceOfSatisfying(ActionException.class, e -> {
                        assertThat(e.reason()).isEqualTo(ActionException.Reason.TAMPERED);
                        assertThat(e.reason().status()).isEqualTo(403);
                    });
        }
        assertThatThrownBy(() -> service.preview("not-a-token"))
                .isInstanceOfSatisfying(
                        ActionException.class, e -> assertThat(e.reason()).isEqualTo(ActionException.Reason.MALFORMED));
        assertThat(replays).hasValue(0);
    }

    @Test
    void keysRotateLinksOfAnOldKeyWorkWhileItIsConfigured() {
        String old = token(signer(Map.of("k1", KEY_1), "k1"));
        ActionSigner rotated = signer(Map.of("k1", KEY_1, "k2", KEY_2), "k2");
        ActionSigner retired = signer(Map.of("k2", KEY_2), "k2");

        assertThat(rotated.verify(old).keyId()).isEqualTo("k1");
        assertThat(rotated.verify(token(rotated)).keyId()).isEqualTo("k2");
        assertThatThrownBy(() -> retired.verify(old))
                .isInstanceOfSatisfying(
                        ActionException.class, e -> assertThat(e.reason()).isEqualTo(ActionException.Reason.TAMPERED));
    }

    @Test
    void hundredsOfConcurrentPostsAcrossTwoInstancesPerformOnce() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:actions;DB_CLOSE_DELAY=-1");
        ActionSigner signer = signer(Map.of("k1", KEY_1), "k1");
        ActionService first = service(signer, new JdbcActionLedger(h2, "t_"));
        ActionService second = service(signer, new JdbcActionLedger(h2, "t_"));
        String token = token(signer);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(32)) {
            for (int i = 0; i < 200; i++) {
                ActionService service = i % 2 == 0 ? first : second;
                String actor = "user-" + i;
                results.add(pool.submit(() -> {
                    start.await();
                    try {
                        return service.perform(token, actor).outcome().name();
                    } catch (ActionException e) {
                        return e.reason().name();
                    }
                }));
            }
            start.countDown();
            List<String> outcomes = new ArrayList<>();
            for (Future<String> result : results) {
                outcomes.add(result.get());
            }
            assertThat(outcomes.stream().filter("DONE"::equals)).hasSize(1);
            assertThat(outcomes.stream().filter("ALREADY_DONE"::equals)).hasSize(199);
        }
        assertThat(replays).hasValue(1);
        ActionRecord stored = new JdbcActionLedger(h2, "t_")
                .find(signer.verify(token).nonce())
                .orElseThrow();
        assertThat(stored.outcome()).isEqualTo(ActionRecord.Outcome.DONE);
        assertThat(stored.result()).isEqualTo("Replayed 1");
        assertThat(stored.arguments()).containsEntry("x", "1");
    }

    @Test
    void aLinkThatActsOnOneInstanceIsRefusedOnAnotherWithoutBeingUsedUpAndWorksWhereItBelongs() {
        // found by a black-box check: behind a load balancer, "Close the breaker" from instance A's alert landed on B,
        // answered DONE, used the link up and left A's breaker held open
        Map<String, List<String>> performedOn = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.function.Function<String, ActionOperation> breakerOn = instance -> new ActionOperation() {
            @Override
            public String name() {
                return "cache.breaker";
            }

            @Override
            public java.util.Set<String> argumentNames() {
                return java.util.Set.of("cache", "state");
            }

            @Override
            public boolean perInstance() {
                return true;
            }

            @Override
            public String describe(Map<String, String> arguments) {
                return "Close the breaker of " + arguments.get("cache") + " on this instance.";
            }

            @Override
            public String perform(Map<String, String> arguments, String actor) {
                performedOn
                        .computeIfAbsent(instance, any -> new CopyOnWriteArrayList<>())
                        .add(arguments.toString());
                return "Breaker of " + arguments.get("cache") + " closed";
            }
        };
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:actions-instances;DB_CLOSE_DELAY=-1");
        ActionSigner signerA = instanceSigner("inst-A");
        ActionSigner signerB = instanceSigner("inst-B");
        ActionService a = new ActionService(
                signerA,
                ActionService.byName(List.of(breakerOn.apply("inst-A"))),
                new JdbcActionLedger(h2, "i_"),
                audit::add,
                clock);
        ActionService b = new ActionService(
                signerB,
                ActionService.byName(List.of(breakerOn.apply("inst-B"))),
                new JdbcActionLedger(h2, "i_"),
                audit::add,
                clock);
        Alert alertOnA = Alert.builder(Severity.WARNING, "Cache 'quotes': Redis L2 unavailable")
                .fingerprint("ballast-cache-l2|quotes")
                .build();
        String token = tokenOf(java.util.Optional.of(signerA.link(
                        alertOnA,
                        AlertAction.operation(
                                "Close the breaker", "cache.breaker", Map.of("cache", "quotes", "state", "closed")))
                .orElseThrow()
                .url()));
        assertThat(signerA.verify(token).arguments()).containsEntry("instance", "inst-A");

        for (Runnable onB : List.<Runnable>of(() -> b.preview(token), () -> b.perform(token, "anonymous@10.0.0.2"))) {
            assertThatThrownBy(onB::run)
                    .isInstanceOfSatisfying(ActionException.class, e -> {
                        assertThat(e.reason()).isEqualTo(ActionException.Reason.WRONG_INSTANCE);
                        assertThat(e.reason().code()).isEqualTo("ACTION_WRONG_INSTANCE");
                    })
                    .hasMessage("This link acts on instance 'inst-A' and reached instance 'inst-B': nothing was done"
                            + " and the link still works. Open it on 'inst-A', at that instance's own action base URL"
                            + " (links another instance signs point there once 'inst-A' has recorded it in the"
                            + " database the instances share).");
        }
        assertThat(performedOn).as("B changed nothing").isEmpty();
        assertThat(audit).as("nothing to report").isEmpty();

        assertThat(a.preview(token).description())
                .isEqualTo("Close the breaker of quotes on this instance. Instance: inst-A.");
        ActionRecord done = a.perform(token, "anonymous@10.0.0.1");
        assertThat(done.outcome()).isEqualTo(ActionRecord.Outcome.DONE);
        assertThat(done.result()).isEqualTo("Breaker of quotes closed (instance inst-A)");
        assertThat(performedOn)
                .as("the operation never sees the binding")
                .containsExactly(Map.entry("inst-A", List.of("{cache=quotes, state=closed}")));
        assertThat(done.arguments()).as("the audit keeps it").containsEntry("instance", "inst-A");
        assertThatThrownBy(() -> b.perform(token, "anonymous@10.0.0.2"))
                .as("once used, any instance answers that it was")
                .isInstanceOfSatisfying(ActionException.class, e -> assertThat(e.reason())
                        .isEqualTo(ActionException.Reason.ALREADY_DONE));

        // an operator may sign a link for another instance by naming it; operations shared by every instance are not
        // bound (they act the same wherever the click lands)
        String forB = tokenOf(signerA.link(
                "cache.breaker", Map.of("cache", "quotes", "state", "closed", "instance", "inst-B"), "actuator|ops"));
        assertThat(b.perform(forB, "ops").result()).isEqualTo("Breaker of quotes closed (instance inst-B)");
        ActionSigner both = instanceSigner("inst-A");
        assertThat(both.verify(tokenOf(both.link("outbox.replay-dead-letters", Map.of(), "actuator|ops")))
                        .arguments())
                .doesNotContainKey("instance");
    }

    @Test
    void aButtonBoundToAnInstanceNamesItSoTwoInstancesMessagesCanBeToldApart() {
        // found by a black-box check: both instances' "Redis L2 unavailable" messages read alike while their buttons
        // were bound to different instances, so half the clicks reached the wrong one
        Alert outage = Alert.builder(Severity.WARNING, "Cache 'quotes': Redis L2 unavailable")
                .fingerprint("ballast-cache-l2|quotes")
                .build();
        AlertAction close = AlertAction.operation(
                "Close the breaker", "cache.breaker", Map.of("cache", "quotes", "state", "closed"));

        assertThat(instanceSigner("inst-A").link(outage, close).orElseThrow().label())
                .isEqualTo("Close the breaker (inst-A)");
        assertThat(instanceSigner("inst-B").link(outage, close).orElseThrow().label())
                .isEqualTo("Close the breaker (inst-B)");
        assertThat(instanceSigner("inst-A")
                        .link(
                                outage,
                                AlertAction.operation("Replay dead letters", "outbox.replay-dead-letters", Map.of()))
                        .orElseThrow()
                        .label())
                .as("an operation every instance shares names none")
                .isEqualTo("Replay dead letters");

        // found by the next black-box check: names cut at their end came out alike for two instances whose generated
        // names differ only in their last characters
        String node42 =
                "brokerage-service-7d9f8b6c4-xk2pq.eu-west-1.compute.internal.prod-cluster-node-0042-abcdefghijklm";
        String node43 = node42.replace("0042", "0043");
        String label42 =
                instanceSigner(node42).link(outage, close).orElseThrow().label();
        String label43 =
                instanceSigner(node43).link(outage, close).orElseThrow().label();
        assertThat(label42)
                .hasSize(80)
                .isEqualTo("Close the breaker (brokerage-service-7…nal.prod-cluster-node-0042-abcdefghijklm)");
        assertThat(label43).hasSize(80).isNotEqualTo(label42).contains("node-0043-");
    }

    @Test
    void aLinkNamingAnInstanceNoInstanceCanBeCalledIsNotSigned() {
        // found by a black-box check: "instance=" was signed into a link that every instance refused
        ActionSigner signer = instanceSigner("inst-A");
        for (String name : List.of("", " ", " inst-B", "x".repeat(101), "inst\u0007B")) {
            assertThatThrownBy(() -> signer.link(
                            "cache.breaker", Map.of("cache", "quotes", "state", "closed", "instance", name), "ops"))
                    .as("'%s'", name)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("instance must name the instance the link acts on");
        }
        assertThat(signer.link(
                        "cache.breaker", Map.of("cache", "quotes", "state", "closed", "instance", "inst-B"), "ops"))
                .isPresent();
    }

    @Test
    void anAlertRelayedByAlertmanagerIsNotBoundToTheInstanceThatReceivedIt() {
        ActionSigner signer = instanceSigner("inst-A");
        Alert relayed = Alert.builder(Severity.WARNING, "Cache quotes: Redis L2 breaker open")
                .label("source", "prometheus")
                .build();
        AlertAction close = AlertAction.operation(
                "Close the breaker", "cache.breaker", Map.of("cache", "quotes", "state", "closed"));
        AlertAction closeOnB = AlertAction.operation(
                "Close the breaker",
                "cache.breaker",
                Map.of("cache", "quotes", "state", "closed", "instance", "inst-B"));

        assertThat(signer.verify(tokenOf(java.util.Optional.of(
                                signer.link(relayed, close).orElseThrow().url())))
                        .arguments())
                .doesNotContainKey("instance");
        assertThat(signer.verify(tokenOf(java.util.Optional.of(
                                signer.link(relayed, closeOnB).orElseThrow().url())))
                        .arguments())
                .containsEntry("instance", "inst-B");
        assertThat(signer.link(relayed, close).orElseThrow().label()).isEqualTo("Close the breaker");
        assertThat(signer.link(relayed, closeOnB).orElseThrow().label())
                .as("bound by the rule's arguments")
                .isEqualTo("Close the breaker (inst-B)");
    }

    @Test
    void aPerInstanceLinkSignedForAnotherInstanceIsDescribedAndCheckedThereNotWithTheSignersState() {
        // found by a black-box check: inst-b signed "raise the pool" for inst-a (at 6) as "from 4 to 8", its own pool
        Map<String, Integer> poolMax = Map.of("inst-A", 6, "inst-B", 4);
        java.util.function.Function<String, ActionOperation> resizeOn = instance -> new ActionOperation() {
            @Override
            public String name() {
                return "executor.resize";
            }

            @Override
            public boolean perInstance() {
                return true;
            }

            @Override
            public String describe(Map<String, String> arguments) {
                int max = poolMax.get(instance);
                int wanted = Integer.parseInt(arguments.getOrDefault("max", String.valueOf(max * 2)));
                if (wanted < max) {
                    throw new IllegalArgumentException("New maximum " + wanted + " is under " + max);
                }
                return "Raise pool " + arguments.get("pool") + " from " + max + " to " + wanted + ".";
            }

            @Override
            public String perform(Map<String, String> arguments, String actor) {
                return "done";
            }
        };
        ActionOperation onB = resizeOn.apply("inst-B");
        Map<String, String> forA = Map.of("pool", "md", "instance", "inst-A");

        assertThat(ActionService.describe(onB, forA, "inst-B"))
                .isEqualTo("Runs 'executor.resize' with {pool=md} on instance inst-A; that instance checks it and"
                        + " shows what it will do when the link is opened there. Instance: inst-A.");
        assertThat(ActionService.describe(onB, Map.of("pool", "md", "max", "5", "instance", "inst-A"), "inst-B"))
                .as("not refused with B's pool: 5 may or may not fit A's")
                .contains("with {max=5, pool=md} on instance inst-A");
        assertThat(ActionService.describe(onB, Map.of("pool", "md"), "inst-B"))
                .as("bound to the signer itself: its own state")
                .isEqualTo("Raise pool md from 4 to 8. Instance: inst-B.");

        ActionSigner signerB = instanceSigner("inst-B", "executor.resize");
        String token = tokenOf(signerB.link("executor.resize", forA, "actuator|ops"));
        ActionService a = new ActionService(
                instanceSigner("inst-A", "executor.resize"),
                ActionService.byName(List.of(resizeOn.apply("inst-A"))),
                new InMemoryActionLedger(),
                audit::add,
                clock);
        assertThat(a.preview(token).description())
                .as("described where it runs")
                .isEqualTo("Raise pool md from 6 to 12. Instance: inst-A.");
        String tooSmall = tokenOf(signerB.link(
                "executor.resize", Map.of("pool", "md", "max", "5", "instance", "inst-A"), "actuator|ops"));
        assertThatThrownBy(() -> a.preview(tooSmall))
                .as("checked where it runs")
                .isInstanceOfSatisfying(ActionException.class, e -> assertThat(e.reason())
                        .isEqualTo(ActionException.Reason.NOT_APPLICABLE))
                .hasMessageContaining("New maximum 5 is under 6");
    }

    private ActionSigner instanceSigner(String instance) {
        return instanceSigner(instance, "cache.breaker");
    }

    private ActionSigner instanceSigner(String instance, String perInstanceOperation) {
        return new ActionSigner(
                Map.of("k1", KEY_1),
                "k1",
                URI.create("https://svc.example/"),
                Duration.ofHours(1),
                clock,
                name -> true,
                instance,
                perInstanceOperation::equals);
    }

    @Test
    void operationsThatAreNotRegisteredGetNoLink() {
        ActionSigner signer = new ActionSigner(
                Map.of("k1", KEY_1), "k1", URI.create("https://svc.example"), Duration.ofHours(1), clock, "a"::equals);
        Alert alert = Alert.builder(Severity.WARNING, "x").build();

        assertThat(signer.link(alert, AlertAction.operation("B", "b", Map.of())))
                .isEmpty();
        assertThat(signer.link(alert, AlertAction.operation("A", "a", Map.of())))
                .isPresent();
        assertThatThrownBy(() -> new ActionSigner(
                        Map.of("k1", new byte[8]),
                        "k1",
                        URI.create("https://s"),
                        Duration.ofHours(1),
                        clock,
                        n -> true))
                .hasMessageContaining("at least 32 bytes, was 8");
    }

    @Test
    void aLinkWhoseArgumentsTheOperationRefusesHereIsNotApplicableAndItsPageOffersNothing() {
        ActionOperation breaker = new ActionOperation() {
            @Override
            public String name() {
                return "cache.breaker";
            }

            @Override
            public String describe(Map<String, String> arguments) {
                if (!"quotes".equals(arguments.get("cache"))) {
                    throw new IllegalArgumentException("No cache '" + arguments.get("cache") + "' here");
                }
                return "Open the breaker of quotes";
            }

            @Override
            public String perform(Map<String, String> arguments, String actor) {
                throw new IllegalStateException("Redis does not answer");
            }
        };
        ActionSigner signer = signer(Map.of("k1", KEY_1), "k1");
        ActionService service = new ActionService(
                signer, ActionService.byName(List.of(breaker)), new InMemoryActionLedger(), audit::add, clock);
        String url = signer.link("cache.breaker", Map.of("cache", "orders"), "rule|x")
                .orElseThrow()
                .toString();
        String token = url.substring(url.lastIndexOf('/') + 1);

        assertThatThrownBy(() -> service.preview(token)).isInstanceOfSatisfying(ActionException.class, e -> {
            assertThat(e.reason()).isEqualTo(ActionException.Reason.NOT_APPLICABLE);
            assertThat(e.reason().status()).isEqualTo(422);
            assertThat(e.getMessage()).isEqualTo("This link cannot be performed here: No cache 'orders' here");
        });

        // found by a black-box check: the POST ran the operation, used the link up and answered 409 ACTION_FAILED
        assertThatThrownBy(() -> service.perform(token, "alice"))
                .isInstanceOfSatisfying(ActionException.class, e -> assertThat(e.reason())
                        .isEqualTo(ActionException.Reason.NOT_APPLICABLE));
        assertThat(audit).as("nothing performed, nothing reported").isEmpty();

        String quotes = signer.link("cache.breaker", Map.of("cache", "quotes"), "rule|x")
                .orElseThrow()
                .toString()
                .replaceAll(".*/", "");
        ActionRecord failed = service.perform(quotes, "alice");
        assertThat(failed.outcome()).isEqualTo(ActionRecord.Outcome.FAILED);
        assertThatThrownBy(() -> service.perform(quotes, "bob"))
                .isInstanceOf(ActionException.class)
                .hasMessageStartingWith("This action was already tried by alice at ")
                .hasMessageEndingWith(" and failed (Failed: IllegalStateException: Redis does not answer); a link works"
                        + " once: use a new one");
        assertThat(service.preview(quotes).earlier())
                .as("a used link still shows what happened")
                .hasValueSatisfying(record -> assertThat(record.result()).contains("Redis does not answer"));
        assertThat(service.preview(quotes).description())
                .isEqualTo("Already tried by alice at 2026-11-30T10:00:00Z, and it failed: Failed:"
                        + " IllegalStateException: Redis does not answer. A link works once: use a new one.");
    }

    @Test
    void aSignatureCharacterChangedInItsUnusedBitsIsStillAChangedLink() {
        ActionSigner signer = signer(Map.of("k1", KEY_1), "k1");
        ActionService service = service(signer, new InMemoryActionLedger());
        String token = token(signer);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char last = token.charAt(token.length() - 1);
        // 32 signature bytes are 43 characters; the last one's two low bits carry nothing, so this decodes the same
        String changed = token.substring(0, token.length() - 1) + alphabet.charAt(alphabet.indexOf(last) ^ 1);

        assertThat(Base64.getUrlDecoder().decode(changed.substring(changed.indexOf('.') + 1)))
                .isEqualTo(Base64.getUrlDecoder().decode(token.substring(token.indexOf('.') + 1)));
        assertThatThrownBy(() -> service.perform(changed, "mallory"))
                .isInstanceOfSatisfying(
                        ActionException.class, e -> assertThat(e.reason()).isEqualTo(ActionException.Reason.TAMPERED));
        assertThat(replays).hasValue(0);
    }

    @Test
    void aLinkWithAnArgumentTheOperationDoesNotTakeIsNotApplicableAndNothingRuns() {
        ActionOperation resize = new ActionOperation() {
            @Override
            public String name() {
                return "executor.resize";
            }

            @Override
            public java.util.Set<String> argumentNames() {
                return java.util.Set.of("pool", "max");
            }

            @Override
            public String describe(Map<String, String> arguments) {
                return "Raise " + arguments.get("pool");
            }

            @Override
            public String perform(Map<String, String> arguments, String actor) {
                replays.incrementAndGet();
                return "Raised";
            }
        };
        ActionSigner signer = signer(Map.of("k1", KEY_1), "k1");
        InMemoryActionLedger ledger = new InMemoryActionLedger();
        ActionService service =
                new ActionService(signer, ActionService.byName(List.of(resize)), ledger, audit::add, clock);
        String url = signer.link("executor.resize", Map.of("pool", "web", "maxx", "3"), "rule|x")
                .orElseThrow()
                .toString();
        String token = url.substring(url.lastIndexOf('/') + 1);

        for (Runnable call : List.<Runnable>of(() -> service.preview(token), () -> service.perform(token, "alice"))) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(ActionException.class, e -> {
                assertThat(e.reason()).isEqualTo(ActionException.Reason.NOT_APPLICABLE);
                assertThat(e.getMessage())
                        .isEqualTo("This link cannot be performed here: Operation 'executor.resize' takes only [max,"
                                + " pool], not 'maxx'");
            });
        }
        assertThat(replays).hasValue(0);
        assertThat(service.preview(signer.link("executor.resize", Map.of("pool", "web"), "rule|x")
                                .orElseThrow()
                                .toString()
                                .replaceAll(".*/", ""))
                        .description())
                .isEqualTo("Raise web");
    }
}
