/** The example brokerage service. */
@NullMarked
package dev.ballast.example.brokerage;

import org.jspecify.annotations.NullMarked;
