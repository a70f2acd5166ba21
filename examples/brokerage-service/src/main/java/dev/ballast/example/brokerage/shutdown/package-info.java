/** Graceful shutdown: no request that reached the instance goes unanswered. */
@NullMarked
package dev.ballast.example.brokerage.shutdown;

import org.jspecify.annotations.NullMarked;
