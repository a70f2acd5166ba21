/** Spring Boot auto-configuration of Ballast. Not API: configure Ballast through {@code ballast.*} properties. */
@NullMarked
package dev.ballast.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
