/** The Redis lock backend, on Lettuce. */
@NullMarked
package dev.ballast.lock.redis;

import org.jspecify.annotations.NullMarked;
