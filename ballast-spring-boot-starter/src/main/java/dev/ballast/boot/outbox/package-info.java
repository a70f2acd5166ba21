/** Spring integration of the outbox. */
@NullMarked
package dev.ballast.boot.outbox;

import org.jspecify.annotations.NullMarked;
