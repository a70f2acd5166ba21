package dev.ballast.cache;

/** The contract with L1 only (the embedded default). */
class LocalTieredCacheTest extends TieredCacheContract {

    @Override
    protected TieredCache<String, Quote> newCache(CacheSettings settings) {
        return TieredCache.local(settings, Codec.json(Quote.class), key -> key);
    }
}
