package dev.ballast.boot.autoconfigure.cache;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import org.jspecify.annotations.Nullable;

/**
 * Boot's standard cache meters ({@code cache.gets{result=hit|miss}}, {@code cache.puts}, {@code cache.evictions}) for
 * a Ballast cache, counted at the Spring {@code Cache} level: what {@code @Cacheable} saw, beside the tier-level
 * {@code ballast.cache.*} meters. Size is not known (L1 per instance, L2 shared), so none is reported.
 */
final class TieredSpringCacheMetrics extends CacheMeterBinder<TieredSpringCache> {

    TieredSpringCacheMetrics(TieredSpringCache cache, Iterable<Tag> tags) {
        super(cache, cache.getName(), tags);
    }

    @Override
    protected @Nullable Long size() {
        return null;
    }

    @Override
    protected long hitCount() {
        TieredSpringCache cache = getCache();
        return cache == null ? 0 : cache.hits.sum();
    }

    @Override
    protected @Nullable Long missCount() {
        TieredSpringCache cache = getCache();
        return cache == null ? 0L : cache.misses.sum();
    }

    @Override
    protected @Nullable Long evictionCount() {
        TieredSpringCache cache = getCache();
        return cache == null ? 0L : cache.evictions.sum();
    }

    @Override
    protected long putCount() {
        TieredSpringCache cache = getCache();
        return cache == null ? 0 : cache.puts.sum();
    }

    @Override
    protected void bindImplementationSpecificMetrics(MeterRegistry registry) {}
}
