package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.boot.internal.PropertyKeys;
import java.util.regex.Pattern;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;

/**
 * Masks alert secrets in {@code /actuator/env} and {@code /actuator/configprops}: channel URLs and secrets, action
 * signing keys, the Alertmanager token, and any value that looks like a Discord or Slack webhook wherever it is set
 * (an environment variable, say). Keys match in every form Boot binds them from: {@code
 * ballast.alert.channels.pager.url}, {@code ballast.alert.channels[pager].url} and the environment variable {@code
 * BALLAST_ALERT_CHANNELS_PAGER_URL}. Stateless.
 */
final class AlertSanitizer implements SanitizingFunction {

    private static final Pattern KEY = Pattern.compile(
            "ballast\\.alert\\.(channels\\..+\\.(url|secret)|actions\\.keys(\\..*)?|alertmanager\\.token)");
    private static final Pattern WEBHOOK_VALUE =
            Pattern.compile("(?i).*(discord(app)?\\.com/api/webhooks|hooks\\.slack\\.com/|/api/webhooks/).*");

    @Override
    public SanitizableData apply(SanitizableData data) {
        if (data.getValue() == null) {
            return data;
        }
        if (KEY.matcher(PropertyKeys.canonical(data.getKey())).matches()
                || WEBHOOK_VALUE.matcher(String.valueOf(data.getValue())).matches()) {
            return data.withSanitizedValue();
        }
        return data;
    }
}
