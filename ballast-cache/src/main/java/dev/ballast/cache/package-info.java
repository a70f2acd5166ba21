/**
 * {@link dev.ballast.cache.TieredCache}: a Caffeine L1 in front of a Redis L2 in front of a loader, with single-flight
 * loading, versioned key namespaces, type-bound JSON values and a degraded mode when Redis is unreachable.
 */
@NullMarked
package dev.ballast.cache;

import org.jspecify.annotations.NullMarked;
