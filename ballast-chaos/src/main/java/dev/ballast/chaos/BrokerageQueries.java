package dev.ballast.chaos;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The queries a scenario's invariants read from the example's database (orders, account balances, counts), each on a
 * connection of its own. Used only by {@link BrokerageCluster}; stateless, so any thread may call it. Guards nothing
 * but closing what it opened.
 */
final class BrokerageQueries {

    /** Opens a new connection to the instances' database. */
    interface Database {
        Connection connect() throws SQLException;
    }

    private BrokerageQueries() {}

    static Set<String> storedOrderKeys(Database database) throws SQLException {
        Set<String> keys = new HashSet<>();
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT idempotency_key FROM orders")) {
            while (rows.next()) {
                keys.add(rows.getString(1));
            }
        }
        return keys;
    }

    static Map<String, BigDecimal> balances(Database database) throws SQLException {
        Map<String, BigDecimal> balances = new LinkedHashMap<>();
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT account_id, balance FROM account")) {
            while (rows.next()) {
                balances.put(rows.getString(1), rows.getBigDecimal(2));
            }
        }
        return balances;
    }

    static long count(Database database, String sql) throws SQLException {
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
