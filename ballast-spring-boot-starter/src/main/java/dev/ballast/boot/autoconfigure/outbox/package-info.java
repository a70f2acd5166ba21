/** Auto-configuration of the outbox. */
@NullMarked
package dev.ballast.boot.autoconfigure.outbox;

import org.jspecify.annotations.NullMarked;
