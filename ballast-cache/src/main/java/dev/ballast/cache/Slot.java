package dev.ballast.cache;

import org.jspecify.annotations.Nullable;

/**
 * An entry as the cache holds it in L1 and reads it from L2: a value or the remembered answer "no value", how long its
 * load took ({@code deltaMillis}, 0 for a value written by {@code put}), when it expires logically (epoch ms of the
 * cache's clock), from when on an early refresh can be due (so most hits skip XFetch with one comparison) and, for a
 * value written by {@code put}, the key's invalidation stamp that the put set ({@code Long.MIN_VALUE} otherwise).
 * Immutable.
 */
record Slot(
        @Nullable Object value,
        boolean absent,
        int deltaMillis,
        long expiresAtMillis,
        long refreshCheckFromMillis,
        long putStamp) {

    /** Marks a wait given up because no signal can arrive; never stored. */
    static final Slot LINK_LOST = new Slot(null, true, 0, 0, Long.MAX_VALUE, Long.MIN_VALUE);

    /** A slot that knows from when on XFetch with {@code beta} can find it due. */
    static Slot of(@Nullable Object value, boolean absent, int deltaMillis, long expiresAtMillis, double beta) {
        long checkFrom = absent || deltaMillis == 0 || beta == 0
                ? Long.MAX_VALUE
                : XFetch.earliestDue(deltaMillis, expiresAtMillis, beta);
        return new Slot(value, absent, deltaMillis, expiresAtMillis, checkFrom, Long.MIN_VALUE);
    }

    /** Whether this is the {@link #LINK_LOST} marker (by identity: a record's equals could match a real slot). */
    @SuppressWarnings("ReferenceEquality")
    boolean isLinkLost() {
        return this == LINK_LOST;
    }

    /** This slot as written by a put that set the key's stamp to {@code stamp}. */
    Slot putAt(long stamp) {
        return new Slot(value, absent, deltaMillis, expiresAtMillis, refreshCheckFromMillis, stamp);
    }

    boolean freshAt(long nowMillis) {
        return expiresAtMillis > nowMillis;
    }
}
