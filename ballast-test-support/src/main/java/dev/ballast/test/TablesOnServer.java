package dev.ballast.test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/** What a test left on a database server: the tables it created with its prefix. Stateless. */
public final class TablesOnServer {

    private TablesOnServer() {}

    /**
     * The tables of the connection's current schema (its catalog on MariaDB) whose names, in lower case, start with
     * {@code prefix} (lower case), in lower case: H2 reports unquoted names in upper case, the others in lower case.
     */
    public static Set<String> startingWith(Connection connection, String prefix) throws SQLException {
        Set<String> tables = new HashSet<>();
        try (ResultSet rows = connection
                .getMetaData()
                .getTables(connection.getCatalog(), connection.getSchema(), null, new String[] {"TABLE"})) {
            while (rows.next()) {
                String name = rows.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                if (name.startsWith(prefix)) {
                    tables.add(name);
                }
            }
        }
        return tables;
    }
}
