package dev.ballast.boot.autoconfigure.actuate;

import dev.ballast.boot.internal.PropertyKeys;
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
 * readable. Keys match in every form Boot binds them from (dotted, bracketed, environment variable). Stateless.
 */
final class SecretSanitizer implements SanitizingFunction {

    private static final Pattern SECRET_KEY = Pattern.compile("ballast\\.outbox\\.integrity\\.keys(\\..*)?"
            + "|(.*\\.)?(password|passwd|pwd|secret|secrets|token|credentials|passphrase|api-key|apikey"
            + "|private-key|privatekey|secret-key|access-key)");

    /** {@code scheme://user:password@}: the password part. */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?<=://)([^/@:\\s]*):([^/@\\s]+)(?=@)");

    /** A JDBC URL's {@code password=...} parameter ({@code ?}, {@code &} or {@code ;} before it), any case. */
    private static final Pattern PARAMETER_PASSWORD = Pattern.compile("(?i)([?&;](password|pwd|passwd)=)([^&;\\s]*)");

    @Override
    public SanitizableData apply(SanitizableData data) {
        Object value = data.getValue();
        if (value == null) {
            return data;
        }
        if (SECRET_KEY.matcher(PropertyKeys.canonical(data.getKey())).matches()) {
            return data.withSanitizedValue();
        }
        if (value instanceof CharSequence text) {
            String shown = text.toString();
            if (shown.contains("://") || shown.startsWith("jdbc:")) {
                String masked = maskUrlPasswords(shown);
                if (!masked.equals(shown)) {
                    return data.withValue(masked);
                }
            }
        }
        return data;
    }

    /** {@code text} with the password of every URL in it replaced by {@link SanitizableData#SANITIZED_VALUE}. */
    static String maskUrlPasswords(String text) {
        String masked = URL_PASSWORD
                .matcher(text)
                .replaceAll(match -> Matcher.quoteReplacement(match.group(1) + ":" + SanitizableData.SANITIZED_VALUE));
        return PARAMETER_PASSWORD
                .matcher(masked)
                .replaceAll(match -> Matcher.quoteReplacement(match.group(1) + SanitizableData.SANITIZED_VALUE));
    }
}
