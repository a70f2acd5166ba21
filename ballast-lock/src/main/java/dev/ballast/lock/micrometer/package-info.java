/** Micrometer metrics for locks; load only with Micrometer on the classpath (optional dependency). */
@NullMarked
package dev.ballast.lock.micrometer;

import org.jspecify.annotations.NullMarked;
