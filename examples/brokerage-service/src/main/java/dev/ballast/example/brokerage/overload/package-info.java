/**
 * Overload protection: requests in progress are bounded below the database pool (the surplus is answered 503 {@code
 * OVERLOADED} at once), and the outbox relay has a pool of its own, so an instance offered more than it can serve
 * sheds load fast and keeps doing the work it accepted.
 */
@NullMarked
package dev.ballast.example.brokerage.overload;

import org.jspecify.annotations.NullMarked;
