package dev.ballast.boot.autoconfigure.diagnostics;

import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * Checks {@code spring.datasource.url} when the context refreshes, before any bean (the connection pool, Flyway, a
 * Ballast table check) sees it, and fails start-up with the URL's passwords masked when it cannot work: no JDBC driver
 * accepts it (the driver named by {@code spring.datasource.driver-class-name}, else any registered one), or it puts a
 * user and password in front of the host for a driver that does not read them there (PostgreSQL, MariaDB). Otherwise
 * the pool's own error quotes the URL, and Spring logs that error before Boot's report: HikariCP masks a lower-case
 * {@code password=} parameter in it, but not {@code PASSWORD=} or a password in user info. Reported by {@link
 * DatabaseUnreachableFailureAnalyzer}. Registered in {@code META-INF/spring.factories}; does nothing without the
 * property.
 */
final class DatasourceUrlCheck implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    /** {@code jdbc:postgresql://user:secret@host} or {@code jdbc:mariadb://user@host}: user info before the host. */
    private static final Pattern USER_INFO_UNREAD = Pattern.compile("^jdbc:(postgresql|mariadb)://[^/?;]*@");

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        context.addBeanFactoryPostProcessor(beans -> check(context.getEnvironment(), context.getClassLoader()));
    }

    /** Throws {@link UnusableDatasourceUrlException} when {@code spring.datasource.url} is set and cannot work. */
    static void check(Environment environment, @Nullable ClassLoader classLoader) {
        String url = environment.getProperty("spring.datasource.url");
        if (url == null || url.isBlank()) {
            return;
        }
        String problem =
                problem(url.strip(), environment.getProperty("spring.datasource.driver-class-name"), classLoader);
        if (problem != null) {
            throw new UnusableDatasourceUrlException(
                    problem + ": " + DatabaseUnreachableFailureAnalyzer.masked(url.strip()));
        }
    }

    /** What is wrong with {@code url}, or null when a driver accepts it (or the check cannot tell). */
    static @Nullable String problem(String url, @Nullable String driverClassName, @Nullable ClassLoader classLoader) {
        var userInfo = USER_INFO_UNREAD.matcher(url.toLowerCase(Locale.ROOT));
        if (userInfo.find()) {
            String driver = userInfo.group(1).equals("postgresql") ? "PostgreSQL" : "MariaDB";
            return "the " + driver
                    + " driver does not read a user or password in front of the host (user:password@host)"
                    + " and would take them for the host or port";
        }
        if (driverClassName != null && !driverClassName.isBlank()) {
            Driver driver = instantiate(driverClassName.strip(), classLoader);
            if (driver == null) {
                return null; // not loadable: the pool reports that itself, naming the class
            }
            return accepts(driver, url) ? null : driverClassName.strip() + " does not accept the URL";
        }
        try {
            DriverManager.getDriver(url);
            return null;
        } catch (SQLException e) {
            return "no JDBC driver on the class path accepts the URL";
        }
    }

    private static boolean accepts(Driver driver, String url) {
        try {
            return driver.acceptsURL(url);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    private static @Nullable Driver instantiate(String className, @Nullable ClassLoader classLoader) {
        try {
            Class<?> type = Class.forName(className, false, classLoader);
            return type.getDeclaredConstructor().newInstance() instanceof Driver driver ? driver : null;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }
}
