/**
 * The outbox and inbox contracts: {@link dev.ballast.testkit.outbox.OutboxContract} and
 * {@link dev.ballast.testkit.outbox.InboxContract}, which a test extends to prove that a database runs Ballast's outbox
 * and inbox (its tables, leases, claims and relay), and {@link dev.ballast.testkit.outbox.RecordingPublisher}, the
 * publisher the outbox contract's relays publish to. See docs/test-kit.md.
 */
@NullMarked
package dev.ballast.testkit.outbox;

import org.jspecify.annotations.NullMarked;
