/**
 * Distributed locks with fencing tokens. {@link dev.ballast.lock.LockStrategy} is the API; a {@link
 * dev.ballast.lock.LockHandle} owns an acquisition (by token, never by thread, so virtual threads work) and carries a
 * {@linkplain dev.ballast.lock.LockHandle#fencingToken() fencing token} that {@link dev.ballast.lock.FencedWrite} checks
 * at the resource.
 */
@NullMarked
package dev.ballast.lock;

import org.jspecify.annotations.NullMarked;
