package dev.ballast.bench.executor;

import dev.ballast.core.ExecutionPipeline;
import dev.ballast.core.LogicExecutor;
import dev.ballast.core.SensitiveDataMasker;
import dev.ballast.core.TaskContext;
import dev.ballast.core.micrometer.MetricsPolicy;
import dev.ballast.core.policy.LoggingPolicy;
import dev.ballast.core.policy.MdcPolicy;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.Fallback;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.SupplierUtils;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/** The implementations compared by {@link ExecutorBenchmark}. */
final class Subjects {

    static final TaskContext CONTEXT = new TaskContext("Order", "Place", "O-1");

    private Subjects() {}

    static Subject create(String name, MeterRegistry registry) {
        return switch (name) {
            case "baseline" -> new Baseline();
            case "handwritten" -> new Handwritten(registry, false);
            case "handwritten-debug-check" -> new Handwritten(registry, true);
            case "handwritten-mdc-only" -> new HandwrittenMdcOnly();
            case "ballast" -> ballast(full(registry));
            case "ballast-mdc-only" ->
                ballast(ExecutionPipeline.builder()
                        .add(MdcPolicy.create(SensitiveDataMasker.defaults()))
                        .build());
            case "ballast-mdc-metrics" ->
                ballast(ExecutionPipeline.builder()
                        .add(MdcPolicy.create(SensitiveDataMasker.defaults()))
                        .add(MetricsPolicy.create(registry))
                        .build());
            case "ballast-disabled" -> ballast(ExecutionPipeline.builder().build());
            case "resilience4j" -> new Resilience4j();
            case "resilience4j-same-work" -> new Resilience4jSameWork(registry);
            case "failsafe" -> new FailsafeSubject();
            default -> throw new IllegalArgumentException("unknown subject " + name);
        };
    }

    /** MDC + metrics + logging, as the starter configures it (observation off: no tracer in this run). */
    private static ExecutionPipeline full(MeterRegistry registry) {
        return ExecutionPipeline.builder()
                .add(MdcPolicy.create(SensitiveDataMasker.defaults()))
                .add(MetricsPolicy.create(registry))
                .add(LoggingPolicy.create(SensitiveDataMasker.defaults(), Level.INFO, Duration.ofSeconds(1)))
                .build();
    }

    private static Subject ballast(ExecutionPipeline pipeline) {
        LogicExecutor executor = LogicExecutor.create(pipeline);
        return new Subject() {
            @Override
            public Object execute(BenchTask task) {
                return executor.execute(CONTEXT, task);
            }

            @Override
            public Object orDefault(BenchTask task, Object defaultValue) {
                return executor.executeOrDefault(CONTEXT, task, defaultValue);
            }
        };
    }

    /** No framework at all: the floor. */
    static final class Baseline implements Subject {
        @Override
        public Object execute(BenchTask task) {
            return task.get();
        }

        @Override
        public Object orDefault(BenchTask task, Object defaultValue) {
            try {
                return task.get();
            } catch (RuntimeException e) {
                return defaultValue;
            }
        }
    }

    /**
     * What a careful engineer writes by hand: MDC, a cached timer per outcome, a level-checked log line on failure.
     * With {@code debugCheck}, also the level check of a DEBUG line on success, which Ballast's logging policy makes
     * (it writes one when DEBUG is on): the ablation subject {@code handwritten-debug-check}.
     */
    static final class Handwritten implements Subject {
        private static final Logger log = LoggerFactory.getLogger("bench.handwritten");
        private final Timer success;
        private final Timer failure;
        private final Timer defaulted;
        private final boolean debugCheck;

        Handwritten(MeterRegistry registry, boolean debugCheck) {
            success = timer(registry, "success");
            failure = timer(registry, "failure");
            defaulted = timer(registry, "default");
            this.debugCheck = debugCheck;
        }

        private static Timer timer(MeterRegistry registry, String outcome) {
            return Timer.builder("handwritten.task")
                    .tags("domain", "Order", "task", "Place", "outcome", outcome, "exception", "x")
                    .register(registry);
        }

        @Override
        public Object execute(BenchTask task) {
            String previousDomain = MDC.get("domain");
            String previousTask = MDC.get("task");
            String previousId = MDC.get("id");
            MDC.put("domain", CONTEXT.domain());
            MDC.put("task", CONTEXT.task());
            MDC.put("id", CONTEXT.id());
            long start = System.nanoTime();
            try {
                Object result = task.get();
                long elapsed = System.nanoTime() - start;
                success.record(elapsed, TimeUnit.NANOSECONDS);
                if (debugCheck && log.isDebugEnabled()) {
                    log.debug("Order.Place completed in {} ms", elapsed / 1_000_000);
                }
                return result;
            } catch (RuntimeException e) {
                failure.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                if (log.isErrorEnabled()) {
                    log.error("Order.Place failed", e);
                }
                throw e;
            } finally {
                restore("domain", previousDomain);
                restore("task", previousTask);
                restore("id", previousId);
            }
        }

        @Override
        public Object orDefault(BenchTask task, Object defaultValue) {
            String previousDomain = MDC.get("domain");
            String previousTask = MDC.get("task");
            String previousId = MDC.get("id");
            MDC.put("domain", CONTEXT.domain());
            MDC.put("task", CONTEXT.task());
            MDC.put("id", CONTEXT.id());
            long start = System.nanoTime();
            try {
                Object result = task.get();
                success.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                return result;
            } catch (RuntimeException e) {
                defaulted.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                if (log.isWarnEnabled()) {
                    log.warn("Order.Place failed, returned default: {}", e.toString());
                }
                return defaultValue;
            } finally {
                restore("domain", previousDomain);
                restore("task", previousTask);
                restore("id", previousId);
            }
        }

        static void restore(String key, String value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }
    }

    /** The MDC put/restore of {@link Handwritten} alone: the hand-written twin of {@code ballast-mdc-only}. */
    static final class HandwrittenMdcOnly implements Subject {
        @Override
        public Object execute(BenchTask task) {
            String previousDomain = MDC.get("domain");
            String previousTask = MDC.get("task");
            String previousId = MDC.get("id");
            MDC.put("domain", CONTEXT.domain());
            MDC.put("task", CONTEXT.task());
            MDC.put("id", CONTEXT.id());
            try {
                return task.get();
            } finally {
                Handwritten.restore("domain", previousDomain);
                Handwritten.restore("task", previousTask);
                Handwritten.restore("id", previousId);
            }
        }

        @Override
        public Object orDefault(BenchTask task, Object defaultValue) {
            try {
                return execute(task);
            } catch (RuntimeException e) {
                return defaultValue;
            }
        }
    }

    /** A CircuitBreaker-decorated supplier that never opens, so every failure is recorded, not short-circuited. */
    static final class Resilience4j implements Subject {
        private final CircuitBreaker breaker = CircuitBreaker.of(
                "bench",
                CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
                        .slidingWindowSize(10)
                        .minimumNumberOfCalls(Integer.MAX_VALUE)
                        .build());

        @Override
        public Object execute(BenchTask task) {
            return CircuitBreaker.decorateSupplier(breaker, task).get();
        }

        @Override
        public Object orDefault(BenchTask task, Object defaultValue) {
            return SupplierUtils.recover(CircuitBreaker.decorateSupplier(breaker, task), e -> defaultValue)
                    .get();
        }
    }

    /**
     * Resilience4j doing the work of Ballast's default pipeline (issue 18, goal 7): the same never-opening breaker as
     * {@link Resilience4j}, its Micrometer binding ({@code TaggedCircuitBreakerMetrics}: a timer per outcome, fed by the
     * breaker's events, plus its state and rate gauges), MDC put/restore of the three task keys and a level-checked log
     * line on failure, as {@link Handwritten} writes them.
     */
    static final class Resilience4jSameWork implements Subject {
        private static final Logger log = LoggerFactory.getLogger("bench.resilience4j");
        private final CircuitBreaker breaker;

        Resilience4jSameWork(MeterRegistry registry) {
            CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                    .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
                    .slidingWindowSize(10)
                    .minimumNumberOfCalls(Integer.MAX_VALUE)
                    .build());
            breaker = breakers.circuitBreaker("Order.Place");
            TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
        }

        @Override
        public Object execute(BenchTask task) {
            String previousDomain = MDC.get("domain");
            String previousTask = MDC.get("task");
            String previousId = MDC.get("id");
            MDC.put("domain", CONTEXT.domain());
            MDC.put("task", CONTEXT.task());
            MDC.put("id", CONTEXT.id());
            try {
                return breaker.executeSupplier(task);
            } catch (RuntimeException e) {
                if (log.isErrorEnabled()) {
                    log.error("Order.Place failed", e);
                }
                throw e;
            } finally {
                Handwritten.restore("domain", previousDomain);
                Handwritten.restore("task", previousTask);
                Handwritten.restore("id", previousId);
            }
        }

        @Override
        public Object orDefault(BenchTask task, Object defaultValue) {
            String previousDomain = MDC.get("domain");
            String previousTask = MDC.get("task");
            String previousId = MDC.get("id");
            MDC.put("domain", CONTEXT.domain());
            MDC.put("task", CONTEXT.task());
            MDC.put("id", CONTEXT.id());
            try {
                return breaker.executeSupplier(task);
            } catch (RuntimeException e) {
                if (log.isWarnEnabled()) {
                    log.warn("Order.Place failed, returned default: {}", e.toString());
                }
                return defaultValue;
            } finally {
                Handwritten.restore("domain", previousDomain);
                Handwritten.restore("task", previousTask);
                Handwritten.restore("id", previousId);
            }
        }
    }

    /** Failsafe with no policy for execute, with a Fallback for the default. */
    static final class FailsafeSubject implements Subject {
        private final FailsafeExecutor<Object> none = Failsafe.none();
        private final FailsafeExecutor<Object> withFallback = Failsafe.with(Fallback.of(Subjects.DEFAULT));

        @Override
        public Object execute(BenchTask task) {
            return none.get(task);
        }

        @Override
        public Object orDefault(BenchTask task, Object defaultValue) {
            return withFallback.get(task);
        }
    }

    static final Object DEFAULT = "default";
}
