package dev.ballast.lock.internal;

/**
 * A handle that can tell, after the fact, whether its holder still had the lock to itself at a given moment: a lease
 * that stopped renewing (revoked, or renewal failing) is still exclusive until it runs out. Internal.
 */
public interface Exclusivity {

    /** Whether no other holder can have had the lock at {@code clockNanos} (a reading of the strategy's clock). */
    boolean exclusiveAt(long clockNanos);
}
