/** Idempotency keys of the example's command endpoints. */
@NullMarked
package dev.ballast.example.brokerage.idempotency;

import org.jspecify.annotations.NullMarked;
