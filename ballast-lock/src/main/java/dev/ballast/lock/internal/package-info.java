/** The lease engine shared by every lock backend. Not API. */
@NullMarked
package dev.ballast.lock.internal;

import org.jspecify.annotations.NullMarked;
