/** Auto-configuration of the {@link dev.ballast.lock.LockStrategy} and the {@link dev.ballast.boot.DistributedLock} annotation. */
@NullMarked
package dev.ballast.boot.autoconfigure.lock;

import org.jspecify.annotations.NullMarked;
