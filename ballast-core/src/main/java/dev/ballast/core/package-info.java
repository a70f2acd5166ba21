/**
 * Ballast core: {@link dev.ballast.core.TaskContext}, the {@link dev.ballast.core.LogicExecutor} template, its
 * {@link dev.ballast.core.ExecutionPolicy} pipeline and the error model.
 */
@NullMarked
package dev.ballast.core;

import org.jspecify.annotations.NullMarked;
