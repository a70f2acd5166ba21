/** The portable JDBC table lock: PostgreSQL, MySQL/MariaDB and H2. */
@NullMarked
package dev.ballast.lock.jdbc;

import org.jspecify.annotations.NullMarked;
