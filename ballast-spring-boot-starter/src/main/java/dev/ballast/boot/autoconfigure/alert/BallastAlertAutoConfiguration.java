package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.ActionLinker;
import dev.ballast.alert.AlertRouter;
import dev.ballast.boot.internal.InstanceName;
import dev.ballast.core.alert.AlertSink;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Auto-configures the {@link AlertRouter} as the application's {@link dev.ballast.core.alert.AlertSink}, so every
 * module's alerts are routed, deduplicated and delivered to the channels under {@code ballast.alert.channels}; and a
 * sanitizer that keeps webhook addresses and keys out of the actuator. Runs before the executor auto-configuration,
 * whose logging sink then backs off. Every bean backs off when the application defines its own. The router, the action
 * signer and the action service read the time from a {@link Clock} bean named {@value #CLOCK_BEAN} when there is one
 * (tests move it to reach windows and expiries), else from the system clock.
 */
@AutoConfiguration(
        beforeName = "dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration",
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnClass(AlertRouter.class)
@ConditionalOnProperty(prefix = "ballast.alert", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(BallastAlertProperties.class)
public final class BallastAlertAutoConfiguration {

    /** Name of the optional {@link Clock} bean the alerting beans read the time from. */
    public static final String CLOCK_BEAN = "ballastAlertClock";

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(AlertSink.class)
    AlertRouter ballastAlertRouter(
            BallastAlertProperties properties,
            ObjectProvider<MeterRegistry> registry,
            ObjectProvider<ActionLinker> linker,
            @Qualifier(CLOCK_BEAN) ObjectProvider<Clock> clock,
            ObjectProvider<DataSource> database,
            Environment environment) {
        return RouterFactory.create(
                properties,
                registry.getIfUnique(),
                linker.getIfUnique(ActionLinker::none),
                clock.getIfAvailable(Clock::systemUTC),
                properties.fatigue().sharedDedup() ? database.getIfUnique() : null,
                InstanceName.of(environment));
    }

    /** {@code POST /ballast/alertmanager}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "org.springframework.web.servlet.DispatcherServlet")
    @ConditionalOnProperty(prefix = "ballast.alert.alertmanager", name = "enabled", matchIfMissing = true)
    static class AlertmanagerWeb {

        @Bean
        @ConditionalOnMissingBean
        AlertmanagerReceiver ballastAlertmanagerReceiver(
                AlertSink sink, BallastAlertProperties properties, ObjectProvider<MeterRegistry> registry) {
            return new AlertmanagerReceiver(sink, properties.alertmanager().token(), registry.getIfUnique());
        }
    }

    /** Masks webhook addresses, secrets and keys in the actuator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(SanitizingFunction.class)
    static class Sanitizing {

        @Bean
        @ConditionalOnMissingBean(name = "ballastAlertSanitizer")
        SanitizingFunction ballastAlertSanitizer() {
            return new AlertSanitizer();
        }
    }
}
