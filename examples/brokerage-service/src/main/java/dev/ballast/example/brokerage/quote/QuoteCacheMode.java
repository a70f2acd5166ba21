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
     * Matches when the property selects this condition's mode; an invalid value matches none (then {@link QuoteService}
     * fails start-up naming it).
     */
    private abstract static class Selected implements Condition {
        private final QuoteCacheMode mode;

        Selected(QuoteCacheMode mode) {
            this.mode = mode;
        }

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            try {
                return of(context.getEnvironment().getProperty(PROPERTY)) == mode;
            } catch (IllegalArgumentException invalid) {
                return false;
            }
        }
    }

    /** The property selects {@link #TIERED} (unset included). */
    static final class TieredSelected extends Selected {
        TieredSelected() {
            super(TIERED);
        }
    }

    /** The property selects {@link #SPRING_REDIS}. */
    static final class SpringRedisSelected extends Selected {
        SpringRedisSelected() {
            super(SPRING_REDIS);
        }
    }

    /** The property selects {@link #BALLAST_CACHEABLE}. */
    static final class BallastCacheableSelected extends Selected {
        BallastCacheableSelected() {
            super(BALLAST_CACHEABLE);
        }
    }
}
