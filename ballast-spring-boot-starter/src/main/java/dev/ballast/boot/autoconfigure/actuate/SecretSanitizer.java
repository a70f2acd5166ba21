package dev.ballast.boot.autoconfigure.actuate;

import dev.ballast.boot.internal.PropertyKeys;
import dev.ballast.boot.internal.UrlSecrets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks secrets in {@code /actuator/env} and {@code /actuator/configprops} also where an application shows values
 * ({@code management.endpoint.env.show-values=always}; Spring Boot then shows every value as it is): the outbox's HMAC
 * keys, any property whose last name part says it holds a secret ({@code spring.datasource.password}, {@code
 * SPRING_RABBITMQ_PASSWORD}, {@code ...token}, {@code ...secret}, {@code ...credentials}), and the password inside a
 * URL ({@code redis://user:pw@host}, a JDBC URL's {@code password=} parameter), which keeps the rest of the URL
 * readable, also in the JVM's command line ({@code sun.java.command}, which shows {@code --name=value} arguments). Keys
 * match in every form Boot binds them from (dotted, bracketed, environment variable). Stateless.
 */
final class SecretSanitizer implements SanitizingFunction {

    private static final Pattern SECRET_KEY = Pattern.compile("ballast\\.outbox\\.integrity\\.keys(\\..*)?"
            + "|(.*\\.)?(password|passwd|pwd|secret|secrets|token|credentials|passphrase|api-key|apikey"
            + "|private-key|privatekey|secret-key|access-key)");

    /** A {@code --name=value} argument in the JVM's command line ({@code sun.java.command}). */
    private static final Pattern ARGUMENT = Pattern.compile("(--([^\\s=]+)=)(\\S+)");

    @Override
    public SanitizableData apply(SanitizableData data) {
        Object value = data.getValue();
        if (value == null) {
            return data;
        }
        String key = PropertyKeys.canonical(data.getKey());
        if (SECRET_KEY.matcher(key).matches()) {
            return data.withSanitizedValue();
        }
        if (key.equals("sun.java.command") && value instanceof CharSequence command) {
            // the whole command line, as the system property: --spring.datasource.password=... among the arguments
            String masked = UrlSecrets.mask(ARGUMENT.matcher(command.toString())
                    .replaceAll(argument -> Matcher.quoteReplacement(
                            SECRET_KEY
                                            .matcher(PropertyKeys.canonical(argument.group(2)))
                                            .matches()
                                    ? argument.group(1) + SanitizableData.SANITIZED_VALUE
                                    : argument.group())));
            return masked.equals(command.toString()) ? data : data.withValue(masked);
        }
        if (value instanceof CharSequence text) {
            String shown = text.toString();
            if (shown.contains("://") || shown.startsWith("jdbc:")) {
                String masked = UrlSecrets.mask(shown);
                if (!masked.equals(shown)) {
                    return data.withValue(masked);
                }
            }
        }
        return data;
    }
}
