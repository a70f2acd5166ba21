package dev.ballast.example.brokerage.shutdown;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Graceful shutdown: {@link GracefulDrain} first ({@code brokerage.shutdown.quiet}, default 300 ms without a request;
 * {@code brokerage.shutdown.drain-timeout}, default 10 s), then Spring Boot's graceful web server shutdown
 * ({@code server.shutdown=graceful}, {@code spring.lifecycle.timeout-per-shutdown-phase}).
 */
@Configuration(proxyBeanMethods = false)
class ShutdownConfiguration {

    @Bean
    GracefulDrain gracefulDrain(
            ApplicationContext context,
            @Value("${brokerage.shutdown.quiet:300ms}") Duration quiet,
            @Value("${brokerage.shutdown.drain-timeout:10s}") Duration timeout) {
        return new GracefulDrain(() -> webServer(context), quiet, timeout);
    }

    /** The running server; none in a mock web environment (tests), where the drain only waits for requests. */
    private static @Nullable WebServer webServer(ApplicationContext context) {
        return context instanceof WebServerApplicationContext web ? web.getWebServer() : null;
    }

    @Bean
    FilterRegistrationBean<GracefulDrain> gracefulDrainFilter(GracefulDrain drain) {
        FilterRegistrationBean<GracefulDrain> registration = new FilterRegistrationBean<>(drain);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }
}
