package dev.ballast.boot.autoconfigure.web;

import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.ExecutionPolicy;
import org.apache.catalina.Host;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.error.DefaultErrorAttributes;
import org.springframework.boot.webmvc.error.ErrorAttributes;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * RFC 9457 problem details with a {@code code} for every failed request of a servlet web application: exceptions from
 * controllers ({@link BallastProblemHandler}, ordered after the application's own advice), the container's error page
 * ({@link ProblemErrorController}), requests Tomcat rejects before the application ({@link ProblemErrorReportValve}),
 * paths with parameters and bodies over {@code ballast.web.max-request-body} ({@link RequestEdgeFilter}), an {@code
 * Accept} that weighs every type a handler produces 0 ({@link ZeroWeightAccept}). Off with
 * {@code ballast.web.problem-details.enabled=false}; each bean backs off when the application defines its own.
 */
@AutoConfiguration(
        beforeName = {
            // so Boot's own ResponseEntityExceptionHandler and error controller back off for ours
            "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration",
            "org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration"
        })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "org.springframework.web.servlet.DispatcherServlet")
@ConditionalOnProperty(prefix = "ballast.web.problem-details", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(BallastWebProperties.class)
public final class BallastWebAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    BallastProblemHandler ballastProblemHandler(
            BallastWebProperties properties, ObjectProvider<ExceptionClassifier> classifier) {
        return new BallastProblemHandler(
                properties.problemDetails().retryAfter(), classifier.getIfUnique(ExceptionClassifier::defaults));
    }

    @Bean
    @ConditionalOnMissingBean(name = "ballastFailedTaskRecorder")
    ExecutionPolicy ballastFailedTaskRecorder() {
        return new FailedTaskRecorder();
    }

    @Bean
    @ConditionalOnMissingBean(name = "ballastRequestEdgeFilter")
    FilterRegistrationBean<RequestEdgeFilter> ballastRequestEdgeFilter(BallastWebProperties properties) {
        long maxBody = properties.maxRequestBody() == null
                ? -1
                : properties.maxRequestBody().toBytes();
        FilterRegistrationBean<RequestEdgeFilter> registration =
                new FilterRegistrationBean<>(new RequestEdgeFilter(properties.rejectPathParameters(), maxBody));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
        return registration;
    }

    /** A request whose {@code Accept} gives every type a handler produces {@code q=0}: 406 before the handler runs. */
    @Bean
    @ConditionalOnMissingBean(name = "ballastZeroWeightAccept")
    WebMvcConfigurer ballastZeroWeightAccept() {
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                registry.addInterceptor(new ZeroWeightAccept());
            }
        };
    }

    /** The container's error page. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.webmvc.error.ErrorController")
    static class ErrorPage {

        @Bean
        @ConditionalOnMissingBean(ErrorController.class)
        ProblemErrorController ballastProblemErrorController(
                BallastProblemHandler handler, ObjectProvider<ErrorAttributes> errorAttributes) {
            return new ProblemErrorController(handler, errorAttributes.getIfAvailable(DefaultErrorAttributes::new));
        }
    }

    /** Tomcat's own error report, for requests it rejects before the application. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(
            name = {
                "org.apache.catalina.valves.ErrorReportValve",
                "org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory"
            })
    static class Tomcat {

        @Bean
        @ConditionalOnMissingBean(name = "ballastTomcatProblemCustomizer")
        WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> ballastTomcatProblemCustomizer() {
            return new TomcatProblems();
        }
    }

    /** Replaces the host's error report valve (after Spring Boot's customizer has added its own). */
    static final class TomcatProblems
            implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {

        @Override
        public void customize(ConfigurableTomcatWebServerFactory factory) {
            factory.addContextCustomizers(context -> {
                if (!(context.getParent() instanceof Host host)) {
                    return;
                }
                for (Valve valve : host.getPipeline().getValves()) {
                    if (valve instanceof ErrorReportValve && !(valve instanceof ProblemErrorReportValve)) {
                        host.getPipeline().removeValve(valve);
                    }
                }
                host.getPipeline().addValve(new ProblemErrorReportValve());
                if (host instanceof StandardHost standard) {
                    standard.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
                }
            });
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
