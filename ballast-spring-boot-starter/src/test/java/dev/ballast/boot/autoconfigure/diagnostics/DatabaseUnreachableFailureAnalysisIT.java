package dev.ballast.boot.autoconfigure.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.boot.autoconfigure.lock.BallastLockAutoConfiguration;
import dev.ballast.test.LogCapture;
import java.net.ServerSocket;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A service whose database does not let it in at start-up gets Boot's "Description / Action" report saying which of
 * the three it is (no answer, credentials refused, no such database) in the driver's words, with {@code
 * spring.datasource.url} as set (a password in it masked), instead of a stack trace through a table check or Flyway.
 * Against the machine's PostgreSQL (trust auth: an unknown role is the credentials case), its MariaDB (root with an
 * empty password; an unknown user is the credentials case) and a closed port.
 */
class DatabaseUnreachableFailureAnalysisIT {

    /** Boot's failure report, kept off the console and read here. */
    @RegisterExtension
    final LogCapture boot = LogCapture.of("org.springframework");

    @Test
    void aDatabaseThatDoesNotAnswerIsReportedWithItsUrlAndNoPassword() throws Exception {
        int closed = closedPort();

        String report = failureReport("jdbc:postgresql://127.0.0.1:" + closed + "/test?password=hunter2", "postgres");

        assertThat(report)
                .contains("The database did not answer at start-up: Connection to 127.0.0.1:" + closed + " refused")
                .contains("(SQLSTATE 08001)")
                .contains("spring.datasource.url = jdbc:postgresql://127.0.0.1:" + closed + "/test?password=******")
                .contains("Start the database, or set spring.datasource.url")
                .doesNotContain("hunter2")
                .doesNotContain("\tat "); // the report, not a stack trace
    }

    @Test
    void credentialsTheDatabaseRefusesAreReportedAsSuchWithTheSettingsToCheck() {
        String report = failureReport("jdbc:postgresql://127.0.0.1:5432/test", "ballast_no_such_role");

        assertThat(report)
                .contains("The database refused the credentials at start-up:")
                .contains("ballast_no_such_role")
                .contains("(SQLSTATE 28000)")
                .contains("Check spring.datasource.username and spring.datasource.password");
    }

    @Test
    void credentialsRefusedWhileTheUrlSetsItsOwnAreReportedAsTheUrlsToCheckWithoutThePassword() {
        // pgjdbc gives the URL's user= and password= precedence over spring.datasource.username and .password
        String report = failureReport(
                "jdbc:postgresql://127.0.0.1:5432/test?user=ballast_no_such_role&password=hunter2", "postgres");

        assertThat(report)
                .contains("The database refused the credentials at start-up:")
                .contains("ballast_no_such_role")
                .contains("spring.datasource.url = jdbc:postgresql://127.0.0.1:5432/test?user=ballast_no_such_role"
                        + "&password=******")
                .contains("spring.datasource.url (SPRING_DATASOURCE_URL) sets a user or password of its own")
                .doesNotContain("hunter2");
    }

    @Test
    void aDatabaseNameThatDoesNotExistIsReportedWithHowToCreateIt() {
        String report = failureReport("jdbc:postgresql://127.0.0.1:5432/ballast_no_such_db", "postgres");

        assertThat(report)
                .contains("The database named in spring.datasource.url does not exist:")
                .contains("ballast_no_such_db")
                .contains("(SQLSTATE 3D000)")
                .contains("CREATE DATABASE");
    }

    @Test
    void aMariaDbThatDoesNotAnswerIsReportedWithItsUrlAndNoPassword() throws Exception {
        int closed = closedPort();

        String report = failureReport(
                "jdbc:mariadb://127.0.0.1:" + closed + "/test?connectTimeout=2000&password=hunter2", "root");

        assertThat(report)
                .contains("The database did not answer at start-up:")
                .contains("127.0.0.1:" + closed)
                .contains("(SQLSTATE 08")
                .contains("spring.datasource.url = jdbc:mariadb://127.0.0.1:" + closed
                        + "/test?connectTimeout=2000&password=******")
                .doesNotContain("hunter2")
                .doesNotContain("\tat ");
    }

    @Test
    void credentialsMariaDbRefusesAreReportedAsSuchWithTheSettingsToCheck() {
        String report = failureReport("jdbc:mariadb://127.0.0.1:3306/test", "ballast_no_such_user");

        assertThat(report)
                .contains("The database refused the credentials at start-up:")
                .contains("ballast_no_such_user")
                .contains("(SQLSTATE 28000)")
                .contains("Check spring.datasource.username and spring.datasource.password");
    }

    @Test
    void aMariaDbDatabaseNameThatDoesNotExistIsReportedWithHowToCreateIt() {
        String report = failureReport("jdbc:mariadb://127.0.0.1:3306/ballast_no_such_db", "root");

        assertThat(report)
                .contains("The database named in spring.datasource.url does not exist:")
                .contains("ballast_no_such_db")
                .contains("(SQLSTATE 42000)")
                .contains("CREATE DATABASE");
    }

    @Test
    void aPasswordInFrontOfTheHostForMariaDbIsReportedBeforeTheDriverQuotesIt() {
        // MariaDB reads user info as host:port and would quote "hunter2@127.0.0.1" as the port it could not parse
        String report = failureReport("jdbc:mariadb://root:hunter2@127.0.0.1:3399/test", "root");

        assertThat(report)
                .contains("The database driver could not use spring.datasource.url: the MariaDB driver does not read a"
                        + " user or password in front of the host")
                .contains("spring.datasource.url = jdbc:mariadb://root:******@127.0.0.1:3399/test")
                .contains("rather than in the URL")
                .doesNotContain("\tat ");
        assertNothingLoggedQuotes("hunter2");
    }

    @Test
    void aUrlNoDriverAcceptsIsReportedAsSuchWithoutItsPassword() {
        String report = failureReport("jdbc:postgresql://127.0.0.1:notaport/test?password=hunter2", "postgres");

        assertThat(report)
                .contains("The database driver could not use spring.datasource.url: no JDBC driver on the class path"
                        + " accepts the URL: jdbc:postgresql://127.0.0.1:notaport/test?password=******")
                .doesNotContain("\tat ");
        assertNothingLoggedQuotes("hunter2");
    }

    /**
     * Found by black-box tries of the example: through Boot's HikariCP pool a URL its driver refuses was a plain
     * RuntimeException quoting the URL, which Spring logs (WARN "cancelling refresh attempt") before Boot's report;
     * Hikari masks a lower-case {@code password=} in it, but not {@code PASSWORD=} or a password in user info. The URL
     * is now checked before the pool sees it.
     */
    @Test
    void aUrlThePoolsDriverRefusesIsReportedAndLoggedWithoutItsPassword() {
        String report = pooledFailureReport("jdbc:postgresql://127.0.0.1:notaport/test?PASSWORD=hunter2", "postgres");

        assertThat(report)
                .contains("The database driver could not use spring.datasource.url: no JDBC driver on the class path"
                        + " accepts the URL: jdbc:postgresql://127.0.0.1:notaport/test?PASSWORD=******")
                .contains("rather than in the URL")
                .doesNotContain("\tat ");
        assertNothingLoggedQuotes("hunter2");
    }

    @Test
    void aPasswordInFrontOfThePostgreSqlHostIsReportedAsTheUrlNotAsADatabaseThatDoesNotAnswer() {
        // the driver would take "app:hunter2@127.0.0.1" for the host name and report a connection that failed
        String report = pooledFailureReport("jdbc:postgresql://app:hunter2@127.0.0.1:5432/test", "postgres");

        assertThat(report)
                .contains("The database driver could not use spring.datasource.url: the PostgreSQL driver does not"
                        + " read a user or password in front of the host (user:password@host)")
                .contains("jdbc:postgresql://app:******@127.0.0.1:5432/test")
                .doesNotContain("did not answer")
                .doesNotContain("\tat ");
        assertNothingLoggedQuotes("hunter2");
    }

    @Test
    void aUrlTheNamedDriverRefusesIsReportedNamingTheDriver() {
        assertThat(DatasourceUrlCheck.problem(
                        "jdbc:mysql://127.0.0.1:3306/test",
                        "org.postgresql.Driver",
                        getClass().getClassLoader()))
                .isEqualTo("org.postgresql.Driver does not accept the URL");
        assertThat(DatasourceUrlCheck.problem(
                        "jdbc:postgresql://127.0.0.1:5432/test",
                        "org.postgresql.Driver",
                        getClass().getClassLoader()))
                .isNull();
        assertThat(DatasourceUrlCheck.problem("jdbc:h2:mem:x", null, getClass().getClassLoader()))
                .isNull();
        // a driver class that cannot be loaded is left to the pool, which names it
        assertThat(DatasourceUrlCheck.problem(
                        "jdbc:x://h/db", "com.example.NoSuchDriver", getClass().getClassLoader()))
                .isNull();
    }

    @Test
    void aDatabaseThatDoesNotAnswerThroughThePoolIsReportedAsSuch() throws Exception {
        int closed = closedPort();

        String report = pooledFailureReport("jdbc:postgresql://127.0.0.1:" + closed + "/test", "postgres");

        assertThat(report)
                .contains("The database did not answer at start-up: Connection to 127.0.0.1:" + closed + " refused")
                .doesNotContain("\tat ");
    }

    @Test
    void aDriverMessageQuotingTheUrlsPasswordsIsCleaned() {
        assertThat(DatabaseUnreachableFailureAnalyzer.withoutSecrets(
                        "Unable to parse URL jdbc:postgresql://h:x/db?password=s3cret",
                        "jdbc:postgresql://h:x/db?password=s3cret"))
                .isEqualTo("Unable to parse URL jdbc:postgresql://h:x/db?password=******");
        assertThat(DatabaseUnreachableFailureAnalyzer.withoutSecrets(
                        "Incorrect port value : s3cret@db", "jdbc:mariadb://app:s3cret@db:3306/orders"))
                .isEqualTo("Incorrect port value : ******@db");
    }

    @Test
    void passwordsInAJdbcUrlAreMaskedWhereverTheyAre() {
        assertThat(DatabaseUnreachableFailureAnalyzer.masked("jdbc:postgresql://app:s3cret@db:5432/orders"))
                .isEqualTo("jdbc:postgresql://app:******@db:5432/orders");
        assertThat(DatabaseUnreachableFailureAnalyzer.masked(
                        "jdbc:mariadb://db:3306/orders?user=app&password=s3cret&useSsl=true"))
                .isEqualTo("jdbc:mariadb://db:3306/orders?user=app&password=******&useSsl=true");
        assertThat(DatabaseUnreachableFailureAnalyzer.masked("jdbc:sqlserver://db;user=app;Password=s3cret;x=1"))
                .isEqualTo("jdbc:sqlserver://db;user=app;Password=******;x=1");
        assertThat(DatabaseUnreachableFailureAnalyzer.masked("jdbc:postgresql://db:5432/orders"))
                .isEqualTo("jdbc:postgresql://db:5432/orders");
    }

    @Test
    void aFailureThatIsNotAboutReachingTheDatabaseIsLeftToOtherAnalyzers() {
        assertThat(DatabaseUnreachableFailureAnalyzer.find(
                        new IllegalStateException("x", new java.sql.SQLException("syntax error", "42601"))))
                .isNull();
    }

    /** A loopback port nothing listens on (it was free a moment ago). */
    private static int closedPort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** No captured log event, message or stack trace, at any level, holds {@code secret}. */
    private void assertNothingLoggedQuotes(String secret) {
        assertThat(boot.events()).allSatisfy(event -> assertThat(event.getFormattedMessage()
                        + (event.getThrowableProxy() == null
                                ? ""
                                : ch.qos.logback.classic.spi.ThrowableProxyUtil.asString(event.getThrowableProxy())))
                .doesNotContain(secret));
    }

    /** Starts the JDBC lock backend (its table check connects at start-up) on {@code url} and returns Boot's report. */
    private String failureReport(String url, String user) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class)
                        .web(WebApplicationType.NONE)
                        .properties(
                                "spring.main.banner-mode=off",
                                "spring.datasource.url=" + url,
                                "spring.datasource.username=" + user,
                                "ballast.lock.backend=JDBC",
                                "ballast.lock.jdbc.schema.initialize=never")
                        .run())
                .isNotNull();
        return StartupFailureAnalysisTest.bootReport(boot);
    }

    /** As {@link #failureReport}, through Boot's DataSource auto-configuration (a HikariCP pool), as a service runs. */
    private String pooledFailureReport(String url, String user) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(PooledApp.class)
                        .web(WebApplicationType.NONE)
                        .properties(
                                "spring.main.banner-mode=off",
                                "spring.datasource.url=" + url,
                                "spring.datasource.username=" + user,
                                "spring.datasource.hikari.connection-timeout=2000",
                                "ballast.lock.backend=JDBC",
                                "ballast.lock.jdbc.schema.initialize=never")
                        .run())
                .isNotNull();
        return StartupFailureAnalysisTest.bootReport(boot);
    }

    @SpringBootConfiguration
    @ImportAutoConfiguration({
        DataSourceAutoConfiguration.class,
        BallastExecutorAutoConfiguration.class,
        BallastLockAutoConfiguration.class
    })
    static class PooledApp {}

    @SpringBootConfiguration
    @ImportAutoConfiguration({BallastExecutorAutoConfiguration.class, BallastLockAutoConfiguration.class})
    static class App {
        @Bean
        DataSource dataSource(Environment environment) {
            // the driver is picked by the URL; no password: both servers let their known users in without one
            return new DriverManagerDataSource(
                    environment.getRequiredProperty("spring.datasource.url"),
                    environment.getRequiredProperty("spring.datasource.username"),
                    "");
        }
    }
}
