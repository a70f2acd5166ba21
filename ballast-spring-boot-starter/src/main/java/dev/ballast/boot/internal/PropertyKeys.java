package dev.ballast.boot.internal;

import java.util.Locale;

/** Property names as the actuator's sanitizing functions compare them. */
public final class PropertyKeys {

    private PropertyKeys() {}

    /**
     * {@code BALLAST_ALERT_CHANNELS_PAGER_URL}, {@code ballast.alert.channels[pager].url} and {@code
     * ballast.alert.channels.pager.url} all as the last: dotted lower case, whatever form Boot bound the key from.
     */
    public static String canonical(String key) {
        return key.toLowerCase(Locale.ROOT)
                .replace('_', '.')
                .replace('[', '.')
                .replace("]", "")
                .replaceAll("\\.{2,}", ".");
    }
}
