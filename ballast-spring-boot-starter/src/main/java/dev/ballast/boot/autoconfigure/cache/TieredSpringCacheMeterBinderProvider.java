package dev.ballast.boot.autoconfigure.cache;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;

/** Lets Boot's cache metrics bind Ballast caches like any other Spring cache. */
final class TieredSpringCacheMeterBinderProvider implements CacheMeterBinderProvider<TieredSpringCache> {

    @Override
    public MeterBinder getMeterBinder(TieredSpringCache cache, Iterable<Tag> tags) {
        return new TieredSpringCacheMetrics(cache, tags);
    }
}
