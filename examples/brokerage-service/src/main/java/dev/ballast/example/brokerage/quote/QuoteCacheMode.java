package dev.ballast.example.brokerage.quote;

import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Where quotes come from, per {@code brokerage.quotes.cache}: read once, in one way, by both {@link QuoteService} and
 * the conditions of {@link SpringRedisQuoteConfiguration} and {@link BallastCacheableQuoteConfiguration}, so a value either selects the same mode in both or fails
 * start-up naming the property. The value is trimmed and compared ignoring case ({@code " Spring-Redis "} is
 * {@code spring-redis}); unset is {@code tiered}, blank is invalid.
 */
enum QuoteCacheMode {
    /** Ballast's {@code TieredCache} (the default). */
    TIERED("tiered"),
    /** Every quote from the upstream: the load test's baseline. */
    OFF("off"),
    /** Spring's {@code @Cacheable} on Spring Data Redis: the load test's peer. */
    SPRING_REDIS("spring-redis"),
    /** Spring's {@code @Cacheable} on the Ballast starter's cache manager: {@code TieredCache} behind the annotation. */
    BALLAST_CACHEABLE("ballast-cacheable");

    static final String PROPERTY = "brokerage.quotes.cache";

    private final String value;

    QuoteCacheMode(String value) {
        this.value = value;
    }

    /**
     * The mode {@code raw} names (null, the property unset: {@link #TIERED}).
     *
     * @throws IllegalArgumentException ({@link InvalidQuoteCacheModeException}) naming the property, the allowed values
     *     and {@code raw} otherwise
     */
    static QuoteCacheMode of(@Nullable String raw) {
        if (raw == null) {
            return TIERED;
        }
        String normal = raw.trim().toLowerCase(Locale.ROOT);
        for (QuoteCacheMode mode : values()) {
            if (mode.value.equals(normal)) {
                return mode;
            }
        }
        throw new InvalidQuoteCacheModeException(raw, allowed());
    }

    /** The values the property takes, as a sentence: {@code 'tiered', 'off', 'spring-redis' or 'ballast-cacheable'}. */
    static String allowed() {
        StringBuilder allowed = new StringBuilder();
        QuoteCacheMode[] modes = values();
        for (int i = 0; i < modes.length; i++) {
            allowed.append(i == 0 ? "" : i == modes.length - 1 ? " or " : ", ")
                    .append('\'')
                    .append(modes[i].value)
                    .append('\'');
        }
        return allowed.toString();
    }

    /**
     * Matches when the property selects {@link #SPRING_REDIS}; an invalid value does not match (then {@link
     * QuoteService} fails start-up naming it).
     */
    static final class SpringRedisSelected implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            try {
                return of(context.getEnvironment().getProperty(PROPERTY)) == SPRING_REDIS;
            } catch (IllegalArgumentException invalid) {
                return false;
            }
        }
    }

    /**
     * Matches when the property selects {@link #BALLAST_CACHEABLE}; an invalid value does not match (then {@link
     * QuoteService} fails start-up naming it).
     */
    static final class BallastCacheableSelected implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            try {
                return of(context.getEnvironment().getProperty(PROPERTY)) == BALLAST_CACHEABLE;
            } catch (IllegalArgumentException invalid) {
                return false;
            }
        }
    }

    /** Matches when the property selects {@link #TIERED} (unset included); an invalid value does not match. */
    static final class TieredSelected implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            try {
                return of(context.getEnvironment().getProperty(PROPERTY)) == TIERED;
            } catch (IllegalArgumentException invalid) {
                return false;
            }
        }
    }
}
