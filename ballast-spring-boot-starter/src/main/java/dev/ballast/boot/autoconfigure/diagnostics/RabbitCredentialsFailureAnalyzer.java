package dev.ballast.boot.autoconfigure.diagnostics;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * Reports a RabbitMQ broker that refused the service's credentials at start-up (the outbox's RabbitMQ publisher
 * connects then) in Spring Boot's "Description / Action" form instead of a stack trace: the broker's answer, where,
 * and the properties to check; the password is never shown. The client's exception is matched by class name, so this
 * analyzer loads without the RabbitMQ client on the classpath. Registered in {@code META-INF/spring.factories}.
 */
final class RabbitCredentialsFailureAnalyzer implements FailureAnalyzer, Ordered {

    /** The RabbitMQ client's refused login (ACCESS_REFUSED, or the connection closed during it). */
    private static final String REFUSED = "com.rabbitmq.client.PossibleAuthenticationFailureException";

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public @Nullable FailureAnalysis analyze(Throwable failure) {
        Throwable refused = null;
        for (Throwable t = failure; t != null && refused == null; t = t.getCause() == t ? null : t.getCause()) {
            if (isRefusal(t)) {
                refused = t;
            }
        }
        if (refused == null) {
            return null;
        }
        String description = "RabbitMQ refused the credentials at start-up (" + refused.getMessage() + ")";
        for (Throwable t = failure; t != refused && t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("refused the credentials")) {
                description = t.getMessage(); // the deepest says where and which user
            }
        }
        return new FailureAnalysis(
                description,
                "Check spring.rabbitmq.username and spring.rabbitmq.password (or the user information in"
                        + " spring.rabbitmq.addresses) against the broker's users, and that user's permissions on"
                        + " spring.rabbitmq.virtual-host. The password is not shown.",
                failure);
    }

    private static boolean isRefusal(Throwable t) {
        for (Class<?> type = t.getClass(); type != null; type = type.getSuperclass()) {
            if (type.getName().equals(REFUSED)) {
                return true;
            }
        }
        return false;
    }
}
