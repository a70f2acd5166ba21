package dev.ballast.boot.autoconfigure.alert;

import java.util.regex.Pattern;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks alert secrets in {@code /actuator/env} and {@code /actuator/configprops}: channel URLs and secrets, action
 * signing keys, the Alertmanager token, and any value that looks like a Discord or Slack webhook wherever it is set
 * (an environment variable, say). Stateless.
 */
final class AlertSanitizer implements SanitizingFunction {

    private static final Pattern KEY = Pattern.compile(
            "ballast\\.alert\\.(channels\\.[^.]+\\.(url|secret)|actions\\.keys(\\..*|\\[.*)?|alertmanager\\.token)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern WEBHOOK_VALUE =
            Pattern.compile("(?i).*(discord(app)?\\.com/api/webhooks|hooks\\.slack\\.com/|/api/webhooks/).*");

    @Override
    public SanitizableData apply(SanitizableData data) {
        if (data.getValue() == null) {
            return data;
        }
        String key = data.getKey();
        if (KEY.matcher(key).matches()
                || WEBHOOK_VALUE.matcher(String.valueOf(data.getValue())).matches()) {
            return data.withSanitizedValue();
        }
        return data;
    }
}
