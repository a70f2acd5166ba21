/** Spring Boot integration for Ballast: annotations users put on their beans. */
@NullMarked
package dev.ballast.boot;

import org.jspecify.annotations.NullMarked;
