/**
 * Start-up errors a person understands: {@link dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException}
 * names a property as written in YAML, and a Spring Boot failure analyzer turns it into "Description / Action" with the
 * value as the user wrote it and where it came from.
 */
@NullMarked
package dev.ballast.boot.autoconfigure.diagnostics;

import org.jspecify.annotations.NullMarked;
