/**
 * The lock contract: {@link dev.ballast.testkit.lock.LockStrategyContract}, which a {@link dev.ballast.lock.LockStrategy}
 * backend's test extends to prove the backend, and {@link dev.ballast.testkit.lock.TestTime}, how its tests let time
 * pass. See docs/test-kit.md.
 */
@NullMarked
package dev.ballast.testkit.lock;

import org.jspecify.annotations.NullMarked;
