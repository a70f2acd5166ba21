package dev.ballast.boot.internal.diagnostics;

import java.util.List;

/**
 * Caches whose value type could not be inferred from the {@code @Cacheable}/{@code @CachePut} methods that use them
 * (the methods return different types, or a type JSON cannot be bound to: {@code Object}, an interface, an abstract or
 * generic class), while Redis is configured, so the cache would have no L2. At start-up Spring Boot reports it through
 * Ballast's failure analyzer: the description names every such cache with its methods, the action the property to set.
 *
 * <p>Immutable and thread-safe.
 */
public final class UnknownCacheValueTypeException extends IllegalStateException {

    private static final long serialVersionUID = 1L;
    private static final String NL = System.lineSeparator();

    private final List<String> caches;
    private final String action;

    private UnknownCacheValueTypeException(String description, List<String> caches, String action) {
        super(description);
        this.caches = List.copyOf(caches);
        this.action = action;
    }

    /**
     * One problem of one cache.
     *
     * @param cache the cache name
     * @param reason why no type could be inferred, e.g. {@code its methods return different types}
     * @param methods each method using the cache with its return type, e.g. {@code com.example.Prices.price returns
     *     java.math.BigDecimal}
     */
    public record Problem(String cache, String reason, List<String> methods) {
        public Problem {
            methods = List.copyOf(methods);
        }
    }

    /** All caches whose value type is unknown, in one report. */
    public static UnknownCacheValueTypeException of(List<Problem> problems) {
        StringBuilder description = new StringBuilder();
        description
                .append(problems.size() == 1 ? "A cache has" : problems.size() + " caches have")
                .append(" no value type, so the Redis L2 cannot store its values (they are JSON bound to one"
                        + " concrete type, never JDK serialization):");
        StringBuilder action = new StringBuilder(
                "Set the class of the cached values (a concrete class: a record, a class with a public constructor,"
                        + " String, BigDecimal, ...) for each cache, e.g. in application.yml:");
        for (Problem problem : problems) {
            description
                    .append(NL)
                    .append("  - cache '")
                    .append(problem.cache())
                    .append("': ")
                    .append(problem.reason());
            for (String method : problem.methods()) {
                description.append(NL).append("      ").append(method);
            }
            action.append(NL)
                    .append("  ballast.cache.caches.")
                    .append(problem.cache())
                    .append(".value-type=<fully qualified class name>");
        }
        action.append(NL)
                .append("or make the methods of each cache return one concrete type (Optional<T> counts as T)."
                        + " See docs/cache.md, \"Spring\".");
        return new UnknownCacheValueTypeException(
                description.toString(), problems.stream().map(Problem::cache).toList(), action.toString());
    }

    /** The caches reported, in order. */
    public List<String> caches() {
        return caches;
    }

    /** Boot's "Action". */
    public String action() {
        return action;
    }
}
