/** JUnit 5 support shared by Ballast's tests. */
@NullMarked
package dev.ballast.test;

import org.jspecify.annotations.NullMarked;
