package dev.ballast.boot.autoconfigure.executor;

import dev.ballast.boot.internal.aop.UnproxyableMethods;
import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import dev.ballast.boot.internal.diagnostics.StartupProblems;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.ExecutionPipeline;
import dev.ballast.core.ExecutionPolicy;
import dev.ballast.core.LogicExecutor;
import dev.ballast.core.SensitiveDataMasker;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.micrometer.MetricsPolicy;
import dev.ballast.core.micrometer.ObservationPolicy;
import dev.ballast.core.policy.LoggingPolicy;
import dev.ballast.core.policy.MdcPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.event.Level;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.OrderUtils;
import org.springframework.core.env.Environment;

/**
 * Auto-configures a {@link LogicExecutor} whose pipeline holds the built-in MDC, logging, metrics and observation
 * policies (each switchable under {@code ballast.executor}) plus every {@link ExecutionPolicy} bean, ordered by
 * {@code @Order} or their own {@link ExecutionPolicy#order()}; the {@link SensitiveDataMasker} from {@code
 * ballast.executor.masking.*}; a {@link MeterFilter} that keeps {@code ballast.task} the only timer of a task; and the
 * {@link dev.ballast.boot.Task} annotation. Every bean but the meter filter backs off when the application defines its
 * own. Off with {@code ballast.executor.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "ballast.executor", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(BallastExecutorProperties.class)
@Import(TaskAutoProxyRegistrar.class)
public final class BallastExecutorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    SensitiveDataMasker ballastSensitiveDataMasker(BallastExecutorProperties properties) {
        return properties.masking().toMasker();
    }

    @Bean
    @ConditionalOnMissingBean
    ExceptionClassifier ballastExceptionClassifier() {
        return ExceptionClassifier.defaults();
    }

    @Bean
    @ConditionalOnMissingBean
    AlertSink ballastAlertSink() {
        return AlertSink.logging();
    }

    @Bean
    @ConditionalOnMissingBean
    LogicExecutor logicExecutor(
            BallastExecutorProperties properties,
            SensitiveDataMasker masker,
            ExceptionClassifier classifier,
            ObjectProvider<BuiltInPolicies> builtIns,
            ObjectProvider<ExecutionPolicy> userPolicies) {
        ExecutionPipeline.Builder pipeline = ExecutionPipeline.builder().classifier(classifier);
        if (properties.mdc().enabled()) {
            pipeline.add(MdcPolicy.create(masker));
        }
        BallastExecutorProperties.Logging logging = properties.logging();
        if (logging.enabled()) {
            Level level =
                    logging.businessLevel() == BallastExecutorProperties.BusinessLevel.WARN ? Level.WARN : Level.INFO;
            pipeline.add(LoggingPolicy.create(masker, level, logging.slowThreshold())
                    .withBusinessLogLimit(
                            logging.businessLimit(), logging.businessLimitWindow(), java.time.InstantSource.system()));
        }
        builtIns.orderedStream().forEach(contributor -> contributor.policies().forEach(pipeline::add));
        userPolicies.orderedStream().forEach(policy -> pipeline.add(policy, orderOf(policy)));
        return LogicExecutor.create(pipeline.build());
    }

    /** Warns (or fails, with {@code ballast.aop.unproxyable=fail}) for @Task/@DistributedLock a proxy cannot apply. */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static UnproxyableMethods ballastUnproxyableMethods(Environment environment) {
        String mode = environment.getProperty("ballast.aop.unproxyable", "warn");
        if (!mode.equalsIgnoreCase("warn") && !mode.equalsIgnoreCase("fail")) {
            throw InvalidBallastPropertyException.invalid("ballast.aop.unproxyable", mode, "must be warn or fail");
        }
        return new UnproxyableMethods(mode.equalsIgnoreCase("fail"));
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static TaskAdvisor ballastTaskAdvisor(
            ObjectProvider<LogicExecutor> executor, ObjectProvider<StartupProblems> problems) {
        return new TaskAdvisor(executor, problems);
    }

    /** Gathers start-up problems so one report names all of a kind (shared with the lock and outbox configuration). */
    @Bean
    @ConditionalOnMissingBean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static StartupProblems ballastStartupProblems(ObjectProvider<StartupProblems.TablesCheck> checks) {
        return new StartupProblems(checks);
    }

    /** {@code @Order} on the policy's class, else {@link Ordered}, else {@link ExecutionPolicy#order()}. */
    private static int orderOf(ExecutionPolicy policy) {
        Integer annotated = OrderUtils.getOrder(policy.getClass());
        if (annotated != null) {
            return annotated;
        }
        return policy instanceof Ordered ordered ? ordered.getOrder() : policy.order();
    }

    /** Micrometer-backed policies; this class is only loaded when Micrometer is on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class MicrometerPolicies {

        /**
         * One metric family per execution: {@link MetricsPolicy} times each task as {@code ballast.task}, so the
         * meters Boot's meter observation handler would derive from the {@code ballast.execution} observation (a
         * second timer and a long-task timer of the same calls) are denied. Spans are unaffected.
         */
        @Bean
        @ConditionalOnMissingBean(name = "ballastObservationMeterFilter")
        MeterFilter ballastObservationMeterFilter() {
            return ObservationPolicy.DENY_OBSERVATION_METERS;
        }

        @Bean
        @ConditionalOnMissingBean(name = "ballastMicrometerPolicies")
        BuiltInPolicies ballastMicrometerPolicies(
                BallastExecutorProperties properties,
                SensitiveDataMasker masker,
                ObjectProvider<MeterRegistry> meterRegistry,
                ObjectProvider<ObservationRegistry> observationRegistry) {
            return () -> {
                List<ExecutionPolicy> policies = new ArrayList<>(2);
                MeterRegistry meters = meterRegistry.getIfUnique();
                if (properties.metrics().enabled() && meters != null) {
                    policies.add(MetricsPolicy.create(meters));
                }
                ObservationRegistry observations = observationRegistry.getIfUnique();
                if (properties.observation().enabled() && observations != null) {
                    policies.add(ObservationPolicy.create(observations, masker));
                }
                return policies;
            };
        }
    }

    /** Built-in policies contributed by optional integrations. */
    @FunctionalInterface
    interface BuiltInPolicies {
        List<ExecutionPolicy> policies();
    }
}
