/** The in-JVM lock backend. */
@NullMarked
package dev.ballast.lock.local;

import org.jspecify.annotations.NullMarked;
