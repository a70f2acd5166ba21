package dev.ballast.boot.autoconfigure.diagnostics;

import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Reports an {@link InvalidBallastPropertyException} in Spring Boot's "Description / Action" form: the property as
 * written in YAML, the value as the user wrote it (from the environment, in whatever form it was given) and its origin
 * ({@code class path resource [application.yml] - 12:17}), what is required, and what to do. Ordered before Boot's own
 * binding analyzer, which would only name the enclosing object. Registered in {@code META-INF/spring.factories}.
 */
final class InvalidBallastPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidBallastPropertyException>
        implements Ordered {

    private final Environment environment;

    InvalidBallastPropertyFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidBallastPropertyException cause) {
        String property = cause.property();
        StringBuilder description = new StringBuilder("Invalid Ballast setting ").append(property);
        if (cause.isSecret()) {
            description.append(" (value not shown: it may hold a secret)");
        } else {
            ConfigurationProperty written = written(environment, property);
            Object value = written != null ? written.getValue() : cause.value();
            description.append(" = '").append(value).append('\'');
            if (written != null && written.getOrigin() != null) {
                description.append(" (from ").append(written.getOrigin()).append(')');
            }
        }
        description.append(System.lineSeparator()).append(System.lineSeparator());
        description.append("Reason: ").append(cause.reason());
        String action = cause.action() != null
                ? cause.action()
                : "Update " + property + " in your configuration (application.yml or .properties, or the environment);"
                        + " docs/configuration.md lists every ballast.* property with its default and valid range.";
        return new FailureAnalysis(description.toString(), action, cause);
    }

    /**
     * The property as the user wrote it, in any relaxed form (YAML, properties, environment variable), with its origin;
     * also read by the database analyzer for {@code spring.datasource.url}.
     */
    static @Nullable ConfigurationProperty written(Environment environment, String property) {
        ConfigurationPropertyName name = ConfigurationPropertyName.adapt(property, '.');
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            ConfigurationProperty found = source.getConfigurationProperty(name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
