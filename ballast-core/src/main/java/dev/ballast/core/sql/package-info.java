/** Running SQL scripts shipped on the class path: {@link dev.ballast.core.sql.SqlScript}. Needs only JDBC. */
@NullMarked
package dev.ballast.core.sql;

import org.jspecify.annotations.NullMarked;
