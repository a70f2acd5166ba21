/** Outbox internals: SQL, relay batches, hashing. Not API. */
@NullMarked
package dev.ballast.outbox.internal;

import org.jspecify.annotations.NullMarked;
