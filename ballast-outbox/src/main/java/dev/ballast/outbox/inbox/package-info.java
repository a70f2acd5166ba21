/**
 * The inbox: idempotent consumers of events published by the outbox. {@link dev.ballast.outbox.inbox.Inbox} records
 * each consumed event id in the consumer's database in the same transaction as the handler's writes, verifies the
 * content hash before the handler runs, and reports per-aggregate sequence gaps.
 */
@NullMarked
package dev.ballast.outbox.inbox;

import org.jspecify.annotations.NullMarked;
