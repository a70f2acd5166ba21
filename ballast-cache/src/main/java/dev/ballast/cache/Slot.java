package dev.ballast.cache;

import org.jspecify.annotations.Nullable;

/**
 * An entry as the cache holds it in L1 and reads it from L2: a value or the remembered answer "no value", how long its
 * load took ({@code deltaMillis}, 0 for a value written by {@code put}), when it expires logically (epoch ms of the
 * cache's clock), from when on an early refresh or a resync can be due (so most hits skip both with one comparison),
 * for a value written by {@code put}, the key's invalidation stamp that the put set ({@code Long.MIN_VALUE} otherwise),
 * and, for a value loaded in this JVM without going through L2 although the cache has one (Redis did not answer, a
 * wait for another instance's load ran out), from when on a hit compares it with L2 ({@code Long.MAX_VALUE} for a value
 * that is shared). Immutable.
 */
record Slot(
        @Nullable Object value,
        boolean absent,
        int deltaMillis,
        long expiresAtMillis,
        long refreshCheckFromMillis,
        long putStamp,
        long resyncAtMillis) {

    /** Marks a wait given up because no signal can arrive; never stored. */
    static final Slot LINK_LOST = new Slot(null, true, 0, 0, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE);

    /** A slot that knows from when on XFetch with {@code beta} can find it due. */
    static Slot of(@Nullable Object value, boolean absent, int deltaMillis, long expiresAtMillis, double beta) {
        long checkFrom = absent || deltaMillis == 0 || beta == 0
                ? Long.MAX_VALUE
                : XFetch.earliestDue(deltaMillis, expiresAtMillis, beta);
        return new Slot(value, absent, deltaMillis, expiresAtMillis, checkFrom, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Whether this is the {@link #LINK_LOST} marker (by identity: a record's equals could match a real slot). */
    @SuppressWarnings("ReferenceEquality")
    boolean isLinkLost() {
        return this == LINK_LOST;
    }

    /** This slot as written by a put that set the key's stamp to {@code stamp}. */
    Slot putAt(long stamp) {
        return new Slot(value, absent, deltaMillis, expiresAtMillis, refreshCheckFromMillis, stamp, Long.MAX_VALUE);
    }

    /**
     * This slot as loaded without L2 although the cache has one: from {@code atMillis} on, a hit has it compared with
     * L2 (in the background), so it does not stay apart from what the other instances hold for the rest of its TTL.
     *
     * @param beta the cache's early refresh beta, to keep the slot's own XFetch start
     */
    Slot unsharedUntil(long atMillis, double beta) {
        long xfetchFrom = of(value, absent, deltaMillis, expiresAtMillis, beta).refreshCheckFromMillis;
        return new Slot(
                value, absent, deltaMillis, expiresAtMillis, Math.min(xfetchFrom, atMillis), putStamp, atMillis);
    }

    /** Whether this value was loaded without L2 and is still to be compared with it ({@link #unsharedUntil}). */
    boolean unshared() {
        return resyncAtMillis != Long.MAX_VALUE;
    }

    boolean freshAt(long nowMillis) {
        return expiresAtMillis > nowMillis;
    }
}
