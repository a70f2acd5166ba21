/**
 * Running SQL scripts shipped on the class path ({@link dev.ballast.core.sql.SqlScript}) and reading a SQL error's
 * state ({@link dev.ballast.core.sql.SqlStates}). Needs only JDBC.
 */
@NullMarked
package dev.ballast.core.sql;

import org.jspecify.annotations.NullMarked;
