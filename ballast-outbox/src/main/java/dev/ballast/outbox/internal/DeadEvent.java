package dev.ballast.outbox.internal;

import dev.ballast.outbox.DeadLetterReason;
import org.jspecify.annotations.Nullable;

/**
 * A claimed event the relay gave up on, with why: {@code error} is the last failure (none for an integrity violation
 * or attempts used up by crashed claims), {@code history} the attempt log as it goes into the dead-letter row.
 */
record DeadEvent(
        ClaimedEvent event,
        DeadLetterReason reason,
        @Nullable Throwable error,
        String history) {}
