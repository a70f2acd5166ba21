package dev.ballast.boot.internal;

import java.util.regex.Pattern;

/**
 * The passwords a URL can carry, for the start-up reports and the actuator's sanitizing function to mask alike: user
 * information ({@code //user:secret@host}) and a {@code password=}, {@code pwd=} or {@code passwd=} parameter (any case).
 * In both patterns group 2 is the secret.
 */
public final class UrlSecrets {

    /** {@code //user:secret@}: group 1 up to the colon, group 2 the secret. */
    public static final Pattern USER_INFO = Pattern.compile("(//[^/:@\\s]*:)([^/@\\s]*)@");

    /** {@code password=secret} in a query string or property list: group 1 the name and '=', group 2 the secret. */
    public static final Pattern PASSWORD_PARAMETER =
            Pattern.compile("((?:password|pwd|passwd)=)([^&;,\\s]*)", Pattern.CASE_INSENSITIVE);

    private static final String MASK = "******";

    private UrlSecrets() {}

    /** {@code text} with the password of every URL in it replaced by {@code ******}, the rest as it was. */
    public static String mask(String text) {
        String withoutUserInfo = USER_INFO.matcher(text).replaceAll("$1" + MASK + "@");
        return PASSWORD_PARAMETER.matcher(withoutUserInfo).replaceAll("$1" + MASK);
    }
}
