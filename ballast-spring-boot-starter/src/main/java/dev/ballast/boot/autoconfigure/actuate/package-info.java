/**
 * Actuator integration: the {@code ballast} health component (cache L2s, lock backend, outbox backlog) with the
 * {@code DEGRADED} status, and the {@code outbox} and {@code locks} endpoints. Loaded only with the actuator.
 */
@NullMarked
package dev.ballast.boot.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
