package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.action.ActionOperation;
import dev.ballast.cache.TieredCache;
import dev.ballast.core.alert.AlertAction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;

/**
 * {@code cache.breaker}: opens or closes the Redis breaker of one cache on this instance ({@code cache} = the cache's
 * name, {@code state} = {@code open} or {@code closed}). Open holds the breaker open (Redis is not called for that cache
 * until it is closed); closed ends a hold and probes Redis at once, closing the breaker only if Redis answers. The
 * caches are the {@link TieredCache} beans and those of the application's cache managers.
 */
final class CacheBreakerOperation implements ActionOperation {

    private final ListableBeanFactory beans;

    CacheBreakerOperation(ListableBeanFactory beans) {
        this.beans = beans;
    }

    @Override
    public String name() {
        return "cache.breaker";
    }

    @Override
    public Set<String> argumentNames() {
        return Set.of("cache", "state");
    }

    /** Acts on the instance that performs it: its links are bound to one instance. */
    @Override
    public boolean perInstance() {
        return true;
    }

    @Override
    public String describe(Map<String, String> arguments) {
        TieredCache<?, ?> found = cache(arguments);
        String cache = found.settings().name();
        if (open(arguments)) {
            requireL2(found);
        }
        return open(arguments)
                ? "Open the Redis breaker of cache '" + cache + "' and keep it open: the cache serves"
                        + " from memory and its loader, and does not call Redis until the breaker is closed."
                : "Close the Redis breaker of cache '" + cache + "': Redis is probed now and used"
                        + " again if it answers.";
    }

    @Override
    public String perform(Map<String, String> arguments, String actor) {
        TieredCache<?, ?> cache = cache(arguments);
        String name = cache.settings().name();
        if (open(arguments)) {
            requireL2(cache);
            cache.openL2Breaker(actor);
            return "Cache '" + name + "': Redis breaker open and held open";
        }
        TieredCache.L2Status status = cache.closeL2Breaker();
        return switch (status) {
            case UP -> "Cache '" + name + "': Redis answered; breaker closed";
            case NONE -> "Cache '" + name + "' has no Redis L2; nothing to close";
            default -> "Cache '" + name + "': Redis did not answer; the breaker stays open and is probed every second";
        };
    }

    /** A cache without Redis has no breaker to hold open: saying it was would report a hold that does not exist. */
    private static void requireL2(TieredCache<?, ?> cache) {
        if (cache.l2Status() == TieredCache.L2Status.NONE) {
            throw new IllegalArgumentException("Cache '" + cache.settings().name()
                    + "' has no Redis L2 on this instance: there is no breaker to hold open");
        }
    }

    /** After the breaker was held open, which lasts until someone closes it: the button that does. */
    @Override
    public List<AlertAction> followUps(Map<String, String> arguments) {
        return open(arguments)
                ? List.of(AlertAction.operation(
                        "Close the breaker", name(), Map.of("cache", arguments.get("cache"), "state", "closed")))
                : List.of();
    }

    private static boolean open(Map<String, String> arguments) {
        String state = arguments.get("state");
        if (state == null) {
            throw new IllegalArgumentException("No state given: use open or closed");
        }
        return switch (state.trim().toLowerCase(Locale.ROOT)) {
            case "open" -> true;
            case "closed", "close" -> false;
            default -> throw new IllegalArgumentException("state must be open or closed, was '" + state + "'");
        };
    }

    private TieredCache<?, ?> cache(Map<String, String> arguments) {
        String name = arguments.get("cache");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("No cache named");
        }
        TieredCache<?, ?> found = caches().get(name);
        if (found == null) {
            throw new IllegalArgumentException("No Ballast cache named '" + name + "' on this instance");
        }
        return found;
    }

    /** Every Ballast cache of the application by name: the beans first, then the cache managers' caches. */
    private Map<String, TieredCache<?, ?>> caches() {
        Map<String, TieredCache<?, ?>> all = new LinkedHashMap<>();
        for (TieredCache<?, ?> cache :
                beans.getBeansOfType(TieredCache.class, false, false).values()) {
            all.putIfAbsent(cache.settings().name(), cache);
        }
        for (CacheManager manager :
                beans.getBeansOfType(CacheManager.class, false, false).values()) {
            for (String name : manager.getCacheNames()) {
                Cache cache = manager.getCache(name);
                if (cache != null && cache.getNativeCache() instanceof TieredCache<?, ?> tiered) {
                    all.putIfAbsent(tiered.settings().name(), tiered);
                }
            }
        }
        return all;
    }
}
