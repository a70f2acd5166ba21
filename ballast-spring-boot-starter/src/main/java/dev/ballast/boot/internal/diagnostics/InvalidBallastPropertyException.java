package dev.ballast.boot.internal.diagnostics;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@code ballast.*} setting stops the application from starting: an invalid value, or a backend whose dependency is
 * missing. Names the property in its YAML (kebab-case) form, e.g. {@code ballast.cache.caches.prices.l1-ttl}, says what
 * is required, and what to do. At start-up Spring Boot reports it through Ballast's failure analyzer, which adds the
 * value as the user wrote it and its origin, unless the property is a secret.
 *
 * <p>Immutable and thread-safe.
 */
public final class InvalidBallastPropertyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private static final List<String> PREDICATES = List.of("must", "is", "needs", "holds");
    private static final List<ChronoUnit> UNITS =
            List.of(ChronoUnit.DAYS, ChronoUnit.HOURS, ChronoUnit.MINUTES, ChronoUnit.SECONDS, ChronoUnit.MILLIS);
    private static final Map<ChronoUnit, String> SUFFIXES = Map.of(
            ChronoUnit.DAYS,
            "d",
            ChronoUnit.HOURS,
            "h",
            ChronoUnit.MINUTES,
            "m",
            ChronoUnit.SECONDS,
            "s",
            ChronoUnit.MILLIS,
            "ms");

    private final String property;
    private final @Nullable String value;
    private final String requirement;
    private final @Nullable String action;

    private InvalidBallastPropertyException(
            String property, @Nullable String value, String requirement, @Nullable String action) {
        super(reason(property, requirement) + (value == null ? "" : ", was " + value));
        this.property = property;
        this.value = value;
        this.requirement = requirement;
        this.action = action;
    }

    /**
     * An invalid value.
     *
     * @param property the full property name in kebab-case, e.g. {@code ballast.lock.resilient.max-lease}
     * @param value the bound value (a {@code Duration} is printed as {@code 500ms}, not {@code PT0.5S})
     * @param requirement what a valid value is, e.g. {@code must be at least 100ms}
     */
    public static InvalidBallastPropertyException invalid(String property, @Nullable Object value, String requirement) {
        return new InvalidBallastPropertyException(property, display(value), requirement, null);
    }

    /** An invalid value that must not be shown (a secret, or a URL that may hold one): neither the message nor the
     * failure analysis shows it. */
    public static InvalidBallastPropertyException secret(String property, @Nullable String requirement) {
        return new InvalidBallastPropertyException(
                property, null, requirement == null ? "is invalid" : requirement, null);
    }

    /**
     * A setting that needs something the application does not have.
     *
     * @param property the property, e.g. {@code ballast.lock.backend}
     * @param value its value
     * @param requirement what is missing, e.g. {@code REDIS needs a Lettuce RedisClient bean}
     * @param action what the user should do, naming the properties to set
     */
    public static InvalidBallastPropertyException missing(
            String property, @Nullable Object value, String requirement, String action) {
        return new InvalidBallastPropertyException(property, display(value), requirement, action);
    }

    /**
     * Passes {@code value} to a validating setter (a builder of a core module); the setter's
     * {@link IllegalArgumentException} becomes one naming {@code property}, keeping the requirement it states ("must be
     * 1 to 64").
     */
    public static <T> void apply(String property, T value, Consumer<? super T> setter) {
        try {
            setter.accept(value);
        } catch (InvalidBallastPropertyException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw invalid(property, value, requirementIn(e.getMessage()));
        }
    }

    /** "Outbox relay threads must be 1 to 64, was 0" becomes "must be 1 to 64". */
    public static String requirementIn(@Nullable String message) {
        if (message == null) {
            return "is invalid";
        }
        int must = message.indexOf(" must ");
        if (must < 0) {
            return "is invalid: " + message;
        }
        int was = message.lastIndexOf(", was ");
        return message.substring(must + 1, was > must ? was : message.length());
    }

    /** The property's name in kebab-case, as written in YAML. */
    public String property() {
        return property;
    }

    /** The value as bound, or null for a secret. */
    public @Nullable String value() {
        return value;
    }

    /** Whether the value must not be shown. */
    public boolean isSecret() {
        return value == null;
    }

    /**
     * The property and its requirement as one sentence: {@code ballast.lock.resilient.max-lease must be at least
     * 100ms}, or {@code ballast.alert.routes: route 'x' names an unknown channel} when the requirement is not a
     * predicate.
     */
    public String reason() {
        return reason(property, requirement);
    }

    private static String reason(String property, String requirement) {
        boolean predicate = PREDICATES.stream().anyMatch(verb -> requirement.startsWith(verb + " "));
        return property + (predicate ? " " : ": ") + requirement;
    }

    /** What a valid value is, or what is missing. */
    public String requirement() {
        return requirement;
    }

    /** What to do, when more specific than "update the property". */
    public @Nullable String action() {
        return action;
    }

    /** {@code 500ms} rather than {@code PT0.5S}: durations as a person writes them in YAML, in the largest exact unit. */
    public static String display(@Nullable Object value) {
        if (!(value instanceof Duration duration)) {
            return String.valueOf(value);
        }
        if (Math.abs(duration.toSeconds()) > 1_000_000_000L) {
            return duration.toString(); // beyond what nanoseconds hold; nobody writes such a value by hand
        }
        for (ChronoUnit unit : UNITS) {
            Duration one = unit.getDuration();
            if ((duration.isZero() && unit == ChronoUnit.SECONDS)
                    || (!duration.isZero() && duration.toNanos() % one.toNanos() == 0)) {
                return duration.toNanos() / one.toNanos() + SUFFIXES.get(unit);
            }
        }
        return duration.toNanos() + "ns";
    }
}
