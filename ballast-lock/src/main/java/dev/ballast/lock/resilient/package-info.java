/** A primary lock backend with a database fallback that keeps mutual exclusion across the switch. */
@NullMarked
package dev.ballast.lock.resilient;

import org.jspecify.annotations.NullMarked;
