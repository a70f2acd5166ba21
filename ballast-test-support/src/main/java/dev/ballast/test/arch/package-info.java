/** Architecture rules every Ballast module checks in its build. */
@NullMarked
package dev.ballast.test.arch;

import org.jspecify.annotations.NullMarked;
