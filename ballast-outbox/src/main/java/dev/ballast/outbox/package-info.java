/**
 * Transactional outbox: {@link dev.ballast.outbox.Outbox#append} in the caller's transaction, {@link
 * dev.ballast.outbox.OutboxRelay} to publish, {@link dev.ballast.outbox.DeadLetters} for what could not be published.
 */
@NullMarked
package dev.ballast.outbox;

import org.jspecify.annotations.NullMarked;
