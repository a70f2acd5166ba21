/** The adoption smoke-test service. */
@NullMarked
package dev.ballast.example.adoption;

import org.jspecify.annotations.NullMarked;
