/** Auto-configuration of a Spring {@code CacheManager} backed by {@link dev.ballast.cache.TieredCache}. */
@NullMarked
package dev.ballast.boot.autoconfigure.cache;

import org.jspecify.annotations.NullMarked;
