/** Built-in {@link dev.ballast.core.ExecutionPolicy policies} that need nothing but SLF4J. */
@NullMarked
package dev.ballast.core.policy;

import org.jspecify.annotations.NullMarked;
