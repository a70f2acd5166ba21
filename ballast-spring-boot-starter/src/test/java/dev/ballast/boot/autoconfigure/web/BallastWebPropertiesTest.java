package dev.ballast.boot.autoconfigure.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

class BallastWebPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Bound.class);

    @Test
    void aNegativeBodyLimitFailsStartUpInsteadOfSwitchingTheLimitOff() {
        runner.withPropertyValues("ballast.web.max-request-body=-1KB").run(context -> assertThat(context)
                .getFailure()
                .hasStackTraceContaining(
                        "ballast.web.max-request-body must be at least 1B (leave it unset for no limit)"));
    }

    @Test
    void aZeroBodyLimitFailsStartUp() {
        runner.withPropertyValues("ballast.web.max-request-body=0B").run(context -> assertThat(context)
                .getFailure()
                .hasStackTraceContaining("ballast.web.max-request-body must be at least 1B"));
    }

    @Test
    void aNegativeRetryAfterFailsStartUp() {
        runner.withPropertyValues("ballast.web.problem-details.retry-after=-1s").run(context -> assertThat(context)
                .getFailure()
                .hasStackTraceContaining("ballast.web.problem-details.retry-after must not be negative"));
    }

    @Test
    void aPositiveBodyLimitAndTheDefaultsBind() {
        runner.withPropertyValues("ballast.web.max-request-body=64KB").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(BallastWebProperties.class)
                            .maxRequestBody()
                            .toBytes())
                    .isEqualTo(65536);
        });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(BallastWebProperties.class)
    static class Bound {}
}
