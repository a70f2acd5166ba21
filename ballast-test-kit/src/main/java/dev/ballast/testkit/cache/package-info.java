/**
 * The cache contract: {@link dev.ballast.testkit.cache.TieredCacheContract}, which a tier configuration's test
 * extends to prove it, and {@link dev.ballast.testkit.cache.StepExecutor}, the refresh executor its tests step. See
 * docs/test-kit.md.
 */
@NullMarked
package dev.ballast.testkit.cache;

import org.jspecify.annotations.NullMarked;
