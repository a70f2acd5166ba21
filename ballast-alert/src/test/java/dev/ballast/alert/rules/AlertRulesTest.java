package dev.ballast.alert.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.alert.AlertStatus;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.core.ExecutionPipeline;
import dev.ballast.core.LogicExecutor;
import dev.ballast.core.TaskContext;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import dev.ballast.core.micrometer.MetricsPolicy;
import dev.ballast.test.MutableClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AlertRulesTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Alert> sent = new CopyOnWriteArrayList<>();

    private AlertRules rules(Rule rule) {
        return AlertRules.builder(registry, sent::add).clock(clock).rule(rule).build();
    }

    private List<Alert> step(AlertRules rules, Duration advance) {
        clock.advance(advance);
        return rules.evaluate();
    }

    private static String state(Alert alert) {
        return (AlertStatus.isResolved(alert) ? "resolved " : "firing ") + alert.severity();
    }

    @Test
    void aPoolAtNinetyPercentForThirtySecondsWarnsWithARaiseButtonAndResolvesBelowIt() {
        AtomicLong active = new AtomicLong(9);
        Gauge.builder("executor.active", active, AtomicLong::get)
                .tag("name", "orders")
                .register(registry);
        Gauge.builder("executor.pool.max", () -> 10).tag("name", "orders").register(registry);
        AlertRules rules = rules(new PoolSaturationRule(0.9, Duration.ofSeconds(30)));

        assertThat(step(rules, Duration.ZERO)).isEmpty();
        assertThat(step(rules, Duration.ofSeconds(25))).isEmpty();
        List<Alert> fired = step(rules, Duration.ofSeconds(5));
        assertThat(fired).singleElement().satisfies(alert -> {
            assertThat(alert.title()).isEqualTo("Executor pool 'orders' at 90 % of its maximum");
            assertThat(alert.actions()).singleElement().satisfies(action -> {
                assertThat(action.operationName()).isEqualTo("executor.resize");
                assertThat(action.arguments()).containsEntry("pool", "orders");
            });
        });
        assertThat(step(rules, Duration.ofSeconds(5))).isEmpty();

        active.set(5);
        assertThat(step(rules, Duration.ofSeconds(5)))
                .extracting(AlertRulesTest::state)
                .containsExactly("resolved WARNING");
    }

    @Test
    void aSaturatedPoolIsItsInstancesConditionAndCarriesThePrometheusRulesFingerprintForIt() {
        Gauge.builder("executor.active", () -> 10).tag("name", "orders").register(registry);
        Gauge.builder("executor.pool.max", () -> 10).tag("name", "orders").register(registry);
        AlertRules rules = rules(new PoolSaturationRule(0.9, Duration.ofSeconds(30), "inst-a"));

        step(rules, Duration.ZERO);
        List<Alert> fired = step(rules, Duration.ofSeconds(30));

        // ops/prometheus/ballast-rules.yml: "executor-pool|{{ $labels.name }}|{{ $labels.instance_name }}"
        assertThat(fired).singleElement().satisfies(alert -> {
            assertThat(alert.fingerprint()).isEqualTo("executor-pool|orders|inst-a");
            assertThat(alert.labels()).containsEntry("instance_name", "inst-a");
        });
    }

    @Test
    void aSaturationShorterThanTheSustainTimeDoesNotFire() {
        AtomicLong active = new AtomicLong(10);
        Gauge.builder("executor.active", active, AtomicLong::get)
                .tag("name", "p")
                .register(registry);
        Gauge.builder("executor.pool.max", () -> 10).tag("name", "p").register(registry);
        AlertRules rules = rules(new PoolSaturationRule(0.9, Duration.ofSeconds(30)));

        step(rules, Duration.ZERO);
        step(rules, Duration.ofSeconds(20));
        active.set(1);
        step(rules, Duration.ofSeconds(5));
        active.set(10);
        step(rules, Duration.ofSeconds(5));
        step(rules, Duration.ofSeconds(20));

        assertThat(sent).isEmpty();
    }

    @Test
    void theOutboxBacklogWarnsThenEscalatesToCriticalAndResolves() {
        AtomicLong age = new AtomicLong(30);
        Gauge.builder("ballast.outbox.oldest.pending.age", age, AtomicLong::get).register(registry);
        AlertRules rules = rules(new OutboxBacklogRule(Duration.ofMinutes(1), Duration.ofMinutes(5)));

        assertThat(step(rules, Duration.ZERO)).isEmpty();
        age.set(90);
        assertThat(step(rules, Duration.ofSeconds(5)))
                .extracting(AlertRulesTest::state)
                .containsExactly("firing WARNING");
        age.set(400);
        List<Alert> critical = step(rules, Duration.ofSeconds(5));
        assertThat(critical).extracting(AlertRulesTest::state).containsExactly("firing CRITICAL");
        assertThat(critical.get(0).fingerprint()).isEqualTo("outbox-pending-age");
        age.set(0);
        assertThat(step(rules, Duration.ofSeconds(5)))
                .extracting(AlertRulesTest::state)
                .containsExactly("resolved CRITICAL");
    }

    @Test
    void newDeadLettersAreCriticalWithAReplayButtonUntilNoneIsLeft() {
        Counter dead = Counter.builder("ballast.outbox.dead")
                .tag("reason", "max_attempts")
                .register(registry);
        AtomicLong unresolved = new AtomicLong();
        AlertRules rules = rules(new DeadLetterRule(unresolved::get));

        assertThat(step(rules, Duration.ZERO)).isEmpty();
        dead.increment();
        unresolved.set(1);
        List<Alert> fired = step(rules, Duration.ofSeconds(5));
        assertThat(fired).singleElement().satisfies(alert -> {
            assertThat(alert.severity()).isEqualTo(Severity.CRITICAL);
            assertThat(alert.fingerprint()).isEqualTo("outbox-dead-letters");
            assertThat(alert.actions().get(0).operationName()).isEqualTo("outbox.replay-dead-letters");
        });
        assertThat(step(rules, Duration.ofSeconds(5))).isEmpty();
        unresolved.set(0);
        assertThat(step(rules, Duration.ofSeconds(5)))
                .extracting(AlertRulesTest::state)
                .containsExactly("resolved CRITICAL");
    }

    @Test
    void aDeadLetterCountThatCannotBeReadNeitherRaisesNorResolvesTheAlert() {
        Counter dead = Counter.builder("ballast.outbox.dead")
                .tag("reason", "max_attempts")
                .register(registry);
        AtomicLong unresolved = new AtomicLong(-1);
        AlertRules rules = rules(new DeadLetterRule(() -> {
            if (unresolved.get() < 0) {
                throw new IllegalStateException("relation \"ballast_outbox_dlq\" does not exist");
            }
            return unresolved.get();
        }));

        assertThat(step(rules, Duration.ZERO)).isEmpty();
        assertThat(step(rules, Duration.ofSeconds(5))).isEmpty();
        unresolved.set(2);
        dead.increment(2);
        assertThat(step(rules, Duration.ofSeconds(5)))
                .extracting(AlertRulesTest::state)
                .containsExactly("firing CRITICAL");
        unresolved.set(-1); // the database went away: the letters are still there
        assertThat(step(rules, Duration.ofSeconds(5))).isEmpty();
        unresolved.set(0);
        assertThat(step(rules, Duration.ofSeconds(5)))
                .extracting(AlertRulesTest::state)
                .containsExactly("resolved CRITICAL");
    }

    @Test
    void withOnlyTheGaugeADeadLetterAlertWaitsForTheHousekeepingBeforeResolving() {
        Counter dead = Counter.builder("ballast.outbox.dead")
                .tag("reason", "max_attempts")
                .register(registry);
        AtomicLong size = new AtomicLong();
        Gauge.builder("ballast.outbox.dlq.size", size, AtomicLong::get).register(registry);
        AlertRules rules = rules(new DeadLetterRule(null));
        step(rules, Duration.ZERO);

        dead.increment(); // the gauge has not caught up yet
        assertThat(step(rules, Duration.ofSeconds(5))).hasSize(1);
        assertThat(step(rules, Duration.ofSeconds(5))).isEmpty();
        assertThat(step(rules, Duration.ofSeconds(60)))
                .extracting(AlertRulesTest::state)
                .containsExactly("resolved CRITICAL");
    }

    @Test
    void aRedisBreakerOpenAtTwoEvaluationsInARowWarnsUnderTheCachesFingerprintAndResolvesWhenItCloses() {
        AtomicLong state = breakerState("quotes");
        AlertRules rules = rules(new CacheBreakerRule());

        assertThat(step(rules, Duration.ZERO)).isEmpty();
        state.set(2);
        assertThat(step(rules, Duration.ofSeconds(5)))
                .as("open at one evaluation")
                .isEmpty();
        assertThat(step(rules, Duration.ofSeconds(5))).singleElement().satisfies(alert -> {
            assertThat(alert.fingerprint()).isEqualTo("ballast-cache-l2|quotes");
            assertThat(alert.actions().get(0).arguments()).containsEntry("cache", "quotes");
        });
        state.set(0);
        assertThat(step(rules, Duration.ofSeconds(5)))
                .extracting(AlertRulesTest::state)
                .containsExactly("resolved WARNING");
    }

    /** Found by a black-box check: one evaluation that saw a breaker open for 0.2 s raised a WARNING and its resolution. */
    @Test
    void aRedisBreakerSeenOpenAtOneEvaluationOnlyRaisesNothing() {
        AtomicLong state = breakerState("quotes");
        AlertRules rules = rules(new CacheBreakerRule());
        assertThat(step(rules, Duration.ZERO)).isEmpty();

        state.set(2);
        List<Alert> seenOpen = step(rules, Duration.ofSeconds(5));
        state.set(0);
        List<Alert> seenClosed = step(rules, Duration.ofSeconds(5));

        assertThat(seenOpen).isEmpty();
        assertThat(seenClosed).isEmpty();
    }

    /** The gauge the cache registers for {@code cache}'s breaker (0 closed, 2 open), at 0. */
    private AtomicLong breakerState(String cache) {
        AtomicLong state = new AtomicLong(0);
        Gauge.builder("ballast.cache.l2.breaker.state", state, AtomicLong::get)
                .tag("cache", cache)
                .register(registry);
        return state;
    }

    @Test
    void aLostLeaseWarnsAndResolvesAfterTheQuietPeriod() {
        Counter lost = Counter.builder("ballast.lock.lease.lost")
                .tag("backend", "redis")
                .register(registry);
        AlertRules rules = rules(new LockLeaseLostRule(Duration.ofMinutes(5)));
        step(rules, Duration.ZERO);

        lost.increment();
        assertThat(step(rules, Duration.ofSeconds(5)))
                .extracting(AlertRulesTest::state)
                .containsExactly("firing WARNING");
        assertThat(step(rules, Duration.ofMinutes(4))).isEmpty();
        assertThat(step(rules, Duration.ofMinutes(1)))
                .extracting(AlertRulesTest::state)
                .containsExactly("resolved WARNING");
    }

    @Test
    void aTaskFailingMoreThanTheRatioOverEnoughCallsWarns() {
        Timer ok = timer("success");
        Timer failed = timer("failure");
        AlertRules rules = rules(new TaskErrorRatioRule(0.05, 20));
        step(rules, Duration.ZERO);

        record(ok, 18);
        record(failed, 1);
        assertThat(step(rules, Duration.ofSeconds(5)))
                .as("19 calls: too few to judge")
                .isEmpty();
        record(ok, 90);
        record(failed, 10);
        assertThat(step(rules, Duration.ofSeconds(5))).singleElement().satisfies(alert -> assertThat(alert.title())
                .isEqualTo("Task Order.Place fails 10 % of calls"));
        record(ok, 100);
        record(failed, 1);
        assertThat(step(rules, Duration.ofSeconds(5)))
                .extracting(AlertRulesTest::state)
                .containsExactly("resolved WARNING");
    }

    @Test
    void businessAnswersAClientCausesAtWillDoNotCountAsTaskFailures() {
        LogicExecutor executor = LogicExecutor.create(
                ExecutionPipeline.builder().add(MetricsPolicy.create(registry)).build());
        TaskContext read = new TaskContext("Order", "Read", "O-404");
        AlertRules rules = rules(new TaskErrorRatioRule(0.05, 20));
        step(rules, Duration.ZERO);

        for (int i = 0; i < 40; i++) { // a client asking for orders that do not exist: 100 % 404s
            executor.executeOrDefault(
                    read,
                    () -> {
                        throw new ClientException(CommonErrorCode.NOT_FOUND, "no order");
                    },
                    null);
        }
        assertThat(step(rules, Duration.ofSeconds(5)))
                .as("40 business failures of 40 calls")
                .isEmpty();

        for (int i = 0; i < 30; i++) {
            executor.execute(read, () -> "found");
        }
        for (int i = 0; i < 10; i++) { // a bug: counted
            executor.executeOrDefault(
                    read,
                    () -> {
                        throw new IllegalStateException("a bug");
                    },
                    null);
        }
        assertThat(step(rules, Duration.ofSeconds(5))).singleElement().satisfies(alert -> assertThat(alert.title())
                .isEqualTo("Task Order.Read fails 25 % of calls"));
    }

    private Timer timer(String outcome) {
        return Timer.builder("ballast.task")
                .tag("domain", "Order")
                .tag("task", "Place")
                .tag("outcome", outcome)
                .tag("exception", "none")
                .register(registry);
    }

    private static void record(Timer timer, int times) {
        for (int i = 0; i < times; i++) {
            timer.record(1, TimeUnit.MILLISECONDS);
        }
    }
}
