/** Auto-configuration of the {@link dev.ballast.core.LogicExecutor} and the {@link dev.ballast.boot.Task} annotation. */
@NullMarked
package dev.ballast.boot.autoconfigure.executor;

import org.jspecify.annotations.NullMarked;
