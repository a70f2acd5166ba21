package dev.ballast.cache;

import dev.ballast.testkit.cache.TieredCacheContract;

/** The contract with L1 only (the embedded default). */
class LocalTieredCacheTest extends TieredCacheContract {

    @Override
    protected TieredCache.Builder<String, Quote> tier(TieredCache.Builder<String, Quote> builder) {
        return builder;
    }
}
