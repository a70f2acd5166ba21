package dev.ballast.example.adoption;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** Contexts as a Spring Boot application gets them: every auto-configuration on the classpath, Ballast's included. */
final class Apps {

    private Apps() {}

    /**
     * Every auto-configuration on the test classpath (Boot's and Ballast's), chosen as {@code @SpringBootApplication}
     * chooses them, and no application beans.
     */
    static ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withUserConfiguration(AutoConfigured.class)
                .withPropertyValues("spring.sql.init.mode=never");
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class AutoConfigured {}

    /** A fresh in-memory H2 database URL. */
    static String inMemoryH2() {
        return "jdbc:h2:mem:adopt-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    /** Names (lower case) of the tables whose names start with {@code ballast_} in the connection's schema. */
    static List<String> ballastTables(DataSource dataSource) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                ResultSet tables = connection
                        .getMetaData()
                        .getTables(connection.getCatalog(), connection.getSchema(), "%", new String[] {"TABLE"})) {
            while (tables.next()) {
                String name = tables.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                if (name.startsWith("ballast_")) {
                    names.add(name);
                }
            }
        }
        return names;
    }
}
