package dev.ballast.boot.autoconfigure.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.boot.Task;
import dev.ballast.core.ExecutionPipeline;
import dev.ballast.core.ExecutionPolicy;
import dev.ballast.core.LogicExecutor;
import dev.ballast.core.SensitiveDataMasker;
import dev.ballast.core.TaskContext;
import dev.ballast.core.micrometer.MetricsPolicy;
import dev.ballast.core.micrometer.ObservationPolicy;
import dev.ballast.core.policy.LoggingPolicy;
import dev.ballast.core.policy.MdcPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

class BallastExecutorAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BallastExecutorAutoConfiguration.class));

    @Test
    void defaultsGiveAnExecutorWithMdcLoggingMetricsAndObservationPolicies() {
        runner.withUserConfiguration(Registries.class).run(context -> {
            LogicExecutor executor = context.getBean(LogicExecutor.class);

            assertThat(executor.pipeline().policies())
                    .extracting(Object::getClass)
                    .containsExactly(
                            MdcPolicy.class, ObservationPolicy.class, MetricsPolicy.class, LoggingPolicy.class);
        });
    }

    @Test
    void withoutARegistryTheMicrometerPoliciesAreLeftOut() {
        runner.run(context -> assertThat(
                        context.getBean(LogicExecutor.class).pipeline().policies())
                .extracting(Object::getClass)
                .containsExactly(MdcPolicy.class, LoggingPolicy.class));
    }

    @Test
    void worksWithoutMicrometerOnTheClasspath() {
        runner.withClassLoader(new FilteredClassLoader("io.micrometer")).run(context -> {
            assertThat(context).hasNotFailed();
            LogicExecutor executor = context.getBean(LogicExecutor.class);

            assertThat(executor.execute(TaskContext.of("Order", "Place"), () -> "ok"))
                    .isEqualTo("ok");
            assertThat(executor.pipeline().policies())
                    .extracting(Object::getClass)
                    .containsExactly(MdcPolicy.class, LoggingPolicy.class);
        });
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsOwnExecutor() {
        runner.withUserConfiguration(OwnExecutor.class).run(context -> assertThat(context.getBean(LogicExecutor.class))
                .isSameAs(context.getBean(OwnExecutor.class).executor));
    }

    @Test
    void policiesCanBeSwitchedOffByProperty() {
        runner.withUserConfiguration(Registries.class)
                .withPropertyValues(
                        "ballast.executor.metrics.enabled=false",
                        "ballast.executor.observation.enabled=false",
                        "ballast.executor.logging.enabled=false")
                .run(context -> assertThat(
                                context.getBean(LogicExecutor.class).pipeline().policies())
                        .extracting(Object::getClass)
                        .containsExactly(MdcPolicy.class));
    }

    @Test
    void userPolicyBeansJoinThePipelineInTheirOrder() {
        runner.withUserConfiguration(UserPolicies.class).run(context -> {
            List<ExecutionPolicy> policies =
                    context.getBean(LogicExecutor.class).pipeline().policies();

            assertThat(policies)
                    .extracting(Object::getClass)
                    .containsExactly(OuterPolicy.class, MdcPolicy.class, LoggingPolicy.class, InnerPolicy.class);
        });
    }

    @Test
    void aMinDigitsOutOfRangeFailsStartUpNamingThePropertyAndValue() {
        runner.withPropertyValues("ballast.executor.masking.min-digits=2").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessage("ballast.executor.masking.min-digits must be 0 (off) or between 4 and 64, was 2"));
    }

    @Test
    void anAccountFieldTheMaskerCannotMatchFailsStartUpNamingThePropertyAndValue() {
        runner.withPropertyValues("ballast.executor.masking.account-fields=account,account no")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessage("ballast.executor.masking.account-fields[1] must be 1 to 64 letters, digits or"
                                + " '_', was 'account no'"));
    }

    @Test
    void theDefaultMaskerHidesPersonalDataButLeavesTaskIdsAndUuidsAlone() {
        runner.run(context -> {
            SensitiveDataMasker masker = context.getBean(SensitiveDataMasker.class);

            assertThat(masker.maskId("4111-1111-1111-1111")).isEqualTo("4111-1111-1111-1111");
            assertThat(masker.mask("order 01a22a46-b123-4567-8901-234567890123 for john@example.com, card"
                            + " 4111111111111111, account 110-234-567890, 010-1234-5678, 900101-1234567"))
                    .isEqualTo("order 01a22a46-b123-4567-8901-234567890123 for j***@example.com, card"
                            + " ************1111, account ***-***-**7890, ***-****-5678, ******-*******");
        });
    }

    @Test
    void theDefaultAccountFieldsPropertyIsTheCoresDefaultList() {
        runner.run(context -> assertThat(context.getBean(BallastExecutorProperties.class)
                        .masking()
                        .accountFields())
                .isEqualTo(SensitiveDataMasker.DEFAULT_ACCOUNT_FIELDS));
    }

    @Test
    void maskingRulesAreConfigurableByProperty() {
        runner.withPropertyValues(
                        "ballast.executor.masking.ids=true",
                        "ballast.executor.masking.emails=false",
                        "ballast.executor.masking.phone-numbers=false",
                        "ballast.executor.masking.account-fields=wallet",
                        "ballast.executor.masking.min-digits=12")
                .run(context -> {
                    SensitiveDataMasker masker = context.getBean(SensitiveDataMasker.class);

                    assertThat(masker.maskId("card 4111111111111111")).isEqualTo("card ************1111");
                    assertThat(masker.mask("john@example.com 010-1234-5678"))
                            .isEqualTo("john@example.com 010-1234-5678");
                    assertThat(masker.mask("wallet 98765432 account 98765432"))
                            .isEqualTo("wallet ****5432 account 98765432");
                    assertThat(masker.mask("ref 123456789012")).isEqualTo("ref ********9012");
                });
    }

    @Test
    void maskingCanBeSwitchedOffEntirely() {
        runner.withPropertyValues("ballast.executor.masking.enabled=false").run(context -> assertThat(
                        context.getBean(SensitiveDataMasker.class).mask("card 4111111111111111"))
                .isEqualTo("card 4111111111111111"));
    }

    @Test
    void eachTaskIsTimedOnceAsBallastTaskWhileBootsTracingStillGetsItsSpan() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        ObservationAutoConfiguration.class,
                        MetricsAutoConfiguration.class,
                        SimpleMetricsExportAutoConfiguration.class,
                        CompositeMeterRegistryAutoConfiguration.class,
                        MicrometerTracingAutoConfiguration.class,
                        BallastExecutorAutoConfiguration.class))
                .withBean(SimpleTracer.class, SimpleTracer::new)
                .run(context -> {
                    LogicExecutor executor = context.getBean(LogicExecutor.class);
                    executor.execute(new TaskContext("Order", "Place", "O-1"), () -> "ok");
                    assertThatThrownBy(() -> executor.execute(new TaskContext("Order", "Place", "O-2"), () -> {
                                throw new IllegalStateException("card 4111111111111111 declined");
                            }))
                            .isInstanceOf(IllegalStateException.class);

                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    assertThat(meters.getMeters())
                            .extracting(meter -> meter.getId().getName())
                            .filteredOn(name -> name.startsWith("ballast"))
                            .containsOnly("ballast.task");
                    assertThat(meters.get("ballast.task").timers()).hasSize(2).allSatisfy(timer -> {
                        assertThat(timer.count()).isEqualTo(1);
                        assertThat(timer.getId().getTags())
                                .extracting(Tag::getKey)
                                .containsExactlyInAnyOrder("domain", "task", "outcome", "exception", "category");
                    });
                    List<SimpleSpan> spans =
                            List.copyOf(context.getBean(SimpleTracer.class).getSpans());
                    assertThat(spans).extracting(SimpleSpan::getName).containsExactly("Order.Place", "Order.Place");
                    assertThat(spans.get(1).getError()).hasMessage("card ************1111 declined");
                });
    }

    @Test
    void anUnknownBusinessLevelFailsStartUp() {
        runner.withPropertyValues("ballast.executor.logging.business-level=DEBUG")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining(
                                "Failed to bind properties under 'ballast.executor.logging.business-level'")
                        .hasStackTraceContaining("for value [DEBUG]"));
    }

    @Test
    void aNonPositiveSlowThresholdFailsStartUp() {
        runner.withPropertyValues("ballast.executor.logging.slow-threshold=0s").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessage("ballast.executor.logging.slow-threshold must be positive, was 0s"));
    }

    @Test
    void configurationMetadataIsGenerated() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);

            assertThat(json)
                    .contains("\"ballast.executor.masking.min-digits\"")
                    .contains("\"ballast.executor.masking.account-fields\"")
                    .contains("\"ballast.executor.masking.ids\"")
                    .contains("\"ballast.executor.logging.slow-threshold\"")
                    .contains("mask card numbers that pass the Luhn check");
        }
    }

    @Test
    void taskAnnotatedMethodsRunThroughTheExecutorWithTheSpelId() {
        runner.withUserConfiguration(Registries.class, AnnotatedService.Config.class)
                .run(context -> {
                    AnnotatedService service = context.getBean(AnnotatedService.class);

                    String seen = service.place("A-42", 10);

                    assertThat(seen).isEqualTo("Order.Place[A-42] mdc=A-42");
                    assertThat(context.getBean(MeterRegistry.class)
                                    .get("ballast.task")
                                    .tags("domain", "Order", "task", "Place", "outcome", "success")
                                    .timer()
                                    .count())
                            .isEqualTo(1);
                });
    }

    @Test
    void aCheckedExceptionTheMethodDeclaresReachesTheCallerUnchanged() {
        runner.withUserConfiguration(Registries.class, AnnotatedService.Config.class)
                .run(context -> {
                    AnnotatedService service = context.getBean(AnnotatedService.class);

                    assertThatThrownBy(() -> service.settle("S-1"))
                            .isInstanceOf(IOException.class)
                            .hasMessage("clearing house unreachable");
                    assertThat(context.getBean(MeterRegistry.class)
                                    .get("ballast.task")
                                    .tags("task", "Settle", "outcome", "failure", "exception", "IOException")
                                    .timer()
                                    .count())
                            .isEqualTo(1);
                });
    }

    @Test
    void anInvalidTaskNameFailsStartUp() {
        runner.withUserConfiguration(BadName.class).run(context -> assertThat(context)
                .getFailure()
                .hasStackTraceContaining("@Task on " + BadNameService.class.getName() + ".place: TaskContext task may"
                        + " hold only letters"));
    }

    @Test
    void anIdNamingAnUnknownParameterFailsStartUp() {
        runner.withUserConfiguration(BadId.class).run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("refers to #orderIdd, which is not a parameter of the method"));
    }

    @Configuration(proxyBeanMethods = false)
    static class Registries {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        ObservationRegistry observationRegistry() {
            return ObservationRegistry.create();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnExecutor {
        final LogicExecutor executor =
                LogicExecutor.create(ExecutionPipeline.builder().build());

        @Bean
        LogicExecutor myExecutor() {
            return executor;
        }
    }

    @Order(-1000)
    static class OuterPolicy implements ExecutionPolicy {}

    static class InnerPolicy implements ExecutionPolicy {}

    @Configuration(proxyBeanMethods = false)
    static class UserPolicies {
        @Bean
        InnerPolicy inner() {
            return new InnerPolicy();
        }

        @Bean
        OuterPolicy outer() {
            return new OuterPolicy();
        }
    }

    static class AnnotatedService {
        @Task(domain = "Order", task = "Place", id = "#accountId")
        public String place(String accountId, int quantity) {
            return TaskContext.current().orElseThrow() + " mdc=" + MDC.get("id");
        }

        @Task(domain = "Order", task = "Settle", id = "#p0")
        public void settle(String settlementId) throws IOException {
            throw new IOException("clearing house unreachable");
        }

        @Configuration(proxyBeanMethods = false)
        static class Config {
            @Bean
            AnnotatedService annotatedService() {
                return new AnnotatedService();
            }
        }
    }

    static class BadNameService {
        @Task(domain = "Order", task = "place order")
        public void place() {}
    }

    @Configuration(proxyBeanMethods = false)
    static class BadName {
        @Bean
        BadNameService badNameService() {
            return new BadNameService();
        }
    }

    static class BadIdService {
        @Task(domain = "Order", task = "Place", id = "#orderIdd")
        public void place(String orderId) {}
    }

    @Configuration(proxyBeanMethods = false)
    static class BadId {
        @Bean
        BadIdService badIdService() {
            return new BadIdService();
        }
    }
}
