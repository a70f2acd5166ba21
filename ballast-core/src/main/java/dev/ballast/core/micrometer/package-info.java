/**
 * Micrometer metrics and observation policies. Load these classes only when Micrometer is on the classpath (it is an
 * optional dependency of ballast-core).
 */
@NullMarked
package dev.ballast.core.micrometer;

import org.jspecify.annotations.NullMarked;
