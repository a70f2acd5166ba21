package dev.ballast.boot.autoconfigure.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Compares the cache names configured under {@code ballast.cache.caches} with the names the application's cache
 * annotations use, to find misspellings: a configured name that no annotation uses (its settings apply to nothing), and,
 * when an annotation uses a name without settings that is close to it, that name too ("did you mean"). Only a WARN,
 * never a failure: a name may be legitimately dynamic (a cache the code gets with {@code CacheManager.getCache}, or one
 * a custom {@code CacheResolver} picks), and such caches are made on first use. Stateless.
 */
final class CacheNames {

    /** The logger of the report, so an application can silence it alone. */
    static final String LOGGER = CacheNames.class.getName();

    /** Two names at most this far apart (and less than a third of the longer one) are taken for one misspelt. */
    private static final int MAX_DISTANCE = 2;

    private CacheNames() {}

    /**
     * The problems found, one line each, in a stable order; empty when every configured name is used, or when no
     * annotation uses any cache (an application that gets its caches by name only: nothing to compare with).
     *
     * @param configured each configured cache name with its properties as written, e.g. {@code prices} with {@code
     *     ballast.cache.caches.prices.l1-ttl}
     * @param used each cache name the annotations use, with where, e.g. {@code price} with
     *     {@code @Cacheable on com.example.Quotes.price}
     */
    static List<String> problems(Map<String, List<String>> configured, Map<String, List<String>> used) {
        List<String> problems = new ArrayList<>();
        if (used.isEmpty()) {
            return problems;
        }
        for (String name : new TreeSet<>(configured.keySet())) {
            if (used.containsKey(name)) {
                continue;
            }
            String properties = properties(name, configured.get(name));
            String near = nearest(name, used.keySet());
            if (near == null) {
                problems.add(properties + " is set, but no @Cacheable, @CachePut or @CacheEvict method uses a cache '"
                        + name + "', so it applies to no cache. Expected only if the code gets the cache by name"
                        + " (CacheManager.getCache(\"" + name + "\")); otherwise remove it or correct the name.");
            } else if (configured.containsKey(near)) {
                problems.add(properties + " is set, but no method uses a cache '" + name + "', so it applies to no"
                        + " cache: did you mean '" + near + "' (ballast.cache.caches." + near + ", which "
                        + where(used.get(near)) + " uses)?");
            } else {
                problems.add(properties + " is set, but no method uses a cache '" + name + "', while cache '" + near
                        + "' (" + where(used.get(near)) + ") has no settings and gets the defaults: did you mean '"
                        + near + "' in the configuration (ballast.cache.caches." + near + ".*), or '" + name
                        + "' in the code?");
            }
        }
        return problems;
    }

    /** The closest of {@code candidates} to {@code name} (other than itself) if close enough, else null. */
    static @Nullable String nearest(String name, Set<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : new TreeSet<>(candidates)) {
            if (candidate.equals(name)) {
                continue;
            }
            int distance = distance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            if (distance < bestDistance && close(name, candidate, distance)) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /** At most two edits apart, and the edits less than a third of the longer name ("fx" and "fy" are two caches). */
    private static boolean close(String a, String b, int distance) {
        return distance <= MAX_DISTANCE && distance * 3 <= Math.max(a.length(), b.length());
    }

    /**
     * The edit distance between two names: insertions, deletions, substitutions and swaps of two adjacent characters
     * (optimal string alignment), so {@code pricse} is one edit from {@code prices}.
     */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** The properties set for one cache, as written: {@code ballast.cache.caches.prices.l1-ttl}. */
    private static String properties(String name, @Nullable List<String> properties) {
        return properties == null || properties.isEmpty()
                ? "ballast.cache.caches." + name
                : String.join(", ", properties);
    }

    /** Where a cache is used: at most two places, then how many more. */
    private static String where(@Nullable List<String> uses) {
        if (uses == null || uses.isEmpty()) {
            return "no method";
        }
        String shown = String.join(", ", uses.subList(0, Math.min(2, uses.size())));
        return uses.size() > 2 ? shown + " and " + (uses.size() - 2) + " more" : shown;
    }
}
