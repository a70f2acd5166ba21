package dev.ballast.boot.autoconfigure.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.boot.autoconfigure.lock.BallastLockAutoConfiguration;
import dev.ballast.boot.autoconfigure.redis.BallastRedisAutoConfiguration;
import dev.ballast.lock.resilient.MissingModeColumnException;
import dev.ballast.test.LogCapture;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;

/**
 * An upgrade without Flyway, on the machine's PostgreSQL: the lock tables exist as Ballast's V1 script made them, the
 * V2 script (which adds {@code primary_failed_at} to the mode table) was never applied, and the application starts the
 * resilient chain with {@code schema.initialize=never}. Start-up fails with Boot's "Description / Action" report naming
 * the table, the column and the script's folder, and how to apply it, not with a bare stack trace.
 */
class MissingLockModeColumnFailureAnalysisIT {

    private static final String PREFIX =
            "mc" + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + "_";

    /** Boot's failure report, kept off the console and read here. */
    @RegisterExtension
    final LogCapture boot = LogCapture.of("org.springframework");

    @BeforeEach
    void tablesAsTheV1ScriptMadeThem() throws Exception {
        String v1;
        try (InputStream script = getClass().getResourceAsStream("/db/ballast/lock/postgresql/V1__ballast_lock.sql")) {
            assertThat(script).as("the V1 script in ballast-lock's jar").isNotNull();
            v1 = new String(script.readAllBytes(), StandardCharsets.UTF_8);
        }
        execute(v1.replace("ballast_", PREFIX));
    }

    @AfterEach
    void dropTables() throws Exception {
        execute("DROP TABLE IF EXISTS " + PREFIX + "lock; DROP TABLE IF EXISTS " + PREFIX + "lock_mode");
    }

    @Test
    void aModeTableWithoutTheV2ColumnFailsStartUpNamingTableColumnAndScriptFolder() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(App.class)
                        .web(WebApplicationType.NONE)
                        .properties(
                                "spring.main.banner-mode=off",
                                "spring.data.redis.host=127.0.0.1",
                                "ballast.lock.backend=RESILIENT",
                                "ballast.lock.jdbc.table-prefix=" + PREFIX,
                                "ballast.lock.jdbc.schema.initialize=never")
                        .run())
                .hasStackTraceContaining(MissingModeColumnException.class.getName());
        String report = boot.eventsAtLeast(Level.ERROR).stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.contains("APPLICATION FAILED TO START"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no failure analysis was reported; captured: " + boot.events()));

        assertThat(report)
                .contains("Description:")
                .contains("lock mode table " + PREFIX + "lock_mode has no column primary_failed_at")
                .contains("class-path folder db/ballast/lock/postgresql")
                .contains("Action:")
                .contains("run db/ballast/lock/postgresql/V2__ballast_lock_mode_failures.sql")
                .contains("ballast.lock.jdbc.schema.initialize=always")
                .doesNotContain("\tat dev.ballast"); // the report, not a stack trace
    }

    private static void execute(String sql) throws Exception {
        try (Connection connection = postgres().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    static DataSource postgres() {
        PGSimpleDataSource postgres = new PGSimpleDataSource();
        postgres.setURL("jdbc:postgresql://127.0.0.1:5432/test");
        postgres.setUser("postgres");
        return postgres;
    }

    @SpringBootConfiguration
    @ImportAutoConfiguration({
        BallastExecutorAutoConfiguration.class,
        BallastRedisAutoConfiguration.class,
        BallastLockAutoConfiguration.class
    })
    static class App {
        @Bean
        DataSource dataSource() {
            return postgres();
        }
    }
}
