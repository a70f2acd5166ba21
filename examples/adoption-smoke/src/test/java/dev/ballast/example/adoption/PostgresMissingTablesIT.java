package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.alert.rules.AlertRules;
import dev.ballast.core.alert.Alert;
import dev.ballast.test.LocalDatabases;
import dev.ballast.test.LogCapture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 16, a new user on PostgreSQL and Redis with schema initialisation left at its default ({@code embedded}, which
 * creates no table there). Each test runs {@link SpringApplication} on a database of its own, created from the shared
 * {@code test} database and dropped afterwards.
 *
 * <ul>
 *   <li>F3: the default lock backend resolves to RESILIENT, whose tables are missing: start-up fails with Boot's
 *       "Description / Action" report naming the tables, the database and the properties that fix it, not a stack
 *       trace; the same for the outbox when the application uses it.
 *   <li>F2: an application that does not use the outbox starts and stays UP without the outbox tables; when it does use
 *       it and the tables disappear, the outbox is DOWN with the missing tables and the fix in its details.
 * </ul>
 */
class PostgresMissingTablesIT {

    @RegisterExtension
    final LogCapture boot = LogCapture.of("org.springframework.boot");

    @RegisterExtension
    final LogCapture ballast = LogCapture.of("dev.ballast");

    private static final HttpClient http = HttpClient.newHttpClient();
    private final String database =
            "ballast_adopt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final List<ConfigurableApplicationContext> started = new ArrayList<>();

    @BeforeEach
    void createDatabase() throws Exception {
        execute("CREATE DATABASE " + database);
    }

    @AfterEach
    void dropDatabase() throws Exception {
        started.forEach(ConfigurableApplicationContext::close);
        execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }

    @Test
    void theDefaultLockBackendOnPostgresAndRedisWithoutItsTablesFailsNamingTheTablesAndTheFixes() {
        String report = failureReport(AdoptionApplication.class, "spring.data.redis.host=127.0.0.1");

        assertThat(report)
                .contains("Ballast's lock table(s) ballast_lock, ballast_lock_mode do not exist in the PostgreSQL"
                        + " database '" + database + "'")
                .contains("ballast.lock.backend=AUTO resolved to RESILIENT")
                .contains("Action:")
                .contains("ballast.lock.jdbc.schema.initialize=always")
                .contains("classpath:db/ballast/lock/postgresql/V1__ballast_lock.sql")
                .contains("spring.flyway.locations")
                .contains("ballast.lock.backend=REDIS")
                .contains("ballast.lock.enabled=false")
                .doesNotContain("jdbc:postgresql"); // never the URL, which may hold a password
    }

    @Test
    void lockAndOutboxTablesBothMissingAreNamedInOneReportWithTheFixesOfEach() {
        String report = failureReport(AdoptionApplication.class, "spring.data.redis.host=127.0.0.1");

        assertThat(report)
                .contains("Ballast's tables are missing for 2 features:")
                .contains("Ballast's lock table(s) ballast_lock, ballast_lock_mode do not exist")
                .contains("Ballast's outbox table(s) ballast_outbox, ballast_outbox_aggregate, ballast_outbox_dlq,"
                        + " ballast_outbox_request, ballast_outbox_control do not exist")
                .contains("The application uses the outbox (bean tradeService)")
                .contains("ballast.lock.jdbc.schema.initialize=always")
                .contains("ballast.outbox.schema.initialize=always");
        assertThat(report.split("APPLICATION FAILED TO START", -1)).hasSize(2);
    }

    @Test
    void anApplicationThatAppendsToTheOutboxWithoutItsTablesFailsNamingTheTablesAndTheFixes() {
        String report = failureReport(
                AdoptionApplication.class,
                "spring.data.redis.host=127.0.0.1",
                "ballast.lock.jdbc.schema.initialize=always");

        assertThat(report)
                .contains("Ballast's outbox table(s) ballast_outbox, ballast_outbox_aggregate, ballast_outbox_dlq,"
                        + " ballast_outbox_request, ballast_outbox_control do not exist in the PostgreSQL database '"
                        + database + "'")
                .contains("The application uses the outbox (bean tradeService)")
                .contains("ballast.outbox.schema.initialize=always")
                .contains("classpath:db/ballast/outbox/postgresql/V1__ballast_outbox.sql")
                .contains("ballast.outbox.enabled=false");
    }

    @Test
    void anApplicationThatDoesNotUseTheOutboxStartsWithoutItsTablesAndItsHealthStaysUp() throws Exception {
        ConfigurableApplicationContext context =
                start(Apps.AutoConfigured.class, "spring.data.redis.host=127.0.0.1", "ballast.lock.backend=REDIS");

        HttpResponse<String> response = health(context);
        JsonNode outbox = outboxHealth(response);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(outbox.path("status").asString()).isEqualTo("UP");
        assertThat(outbox.path("details").path("inUse").asBoolean(true)).isFalse();
        assertThat(outbox.path("details").path("relayRunning").asBoolean(true)).isFalse();
        assertThat(Apps.ballastTables(context.getBean(javax.sql.DataSource.class)))
                .isEmpty();
        // found by a black-box try: the dead-letter rule read the missing table as "1 unresolved" and went CRITICAL
        assertThat(context.getBean(AlertRules.class).evaluate())
                .extracting(Alert::title)
                .noneMatch(title -> title.contains("dead letters"));
    }

    @Test
    void anOutboxInUseWhoseTablesDisappearIsDownNamingTheMissingTablesAndTheFix() throws Exception {
        ConfigurableApplicationContext context = start(
                AdoptionApplication.class,
                "spring.data.redis.host=127.0.0.1",
                "ballast.lock.jdbc.schema.initialize=always",
                "ballast.outbox.schema.initialize=always");
        assertThat(outboxHealth(health(context)).path("status").asString()).isEqualTo("UP");

        executeIn(database, "DROP TABLE ballast_outbox, ballast_outbox_aggregate");

        HttpResponse<String> response = health(context);
        JsonNode outbox = outboxHealth(response);
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(outbox.path("status").asString()).isEqualTo("DOWN");
        assertThat(outbox.path("details").path("inUse").asBoolean(false)).isTrue();
        assertThat(outbox.path("details").path("missingTables").toString())
                .isEqualTo("[\"ballast_outbox\",\"ballast_outbox_aggregate\"]");
        assertThat(outbox.path("details").path("action").asString())
                .contains("ballast.outbox.schema.initialize=always")
                .contains("classpath:db/ballast/outbox/postgresql");
    }

    private ConfigurableApplicationContext start(Class<?> application, String... properties) {
        List<String> arguments = new ArrayList<>(); // command-line arguments: above the app's application.yml
        for (String property : common()) {
            arguments.add("--" + property);
        }
        for (String property : properties) {
            arguments.add("--" + property);
        }
        ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .web(WebApplicationType.SERVLET)
                .run(arguments.toArray(String[]::new));
        started.add(context);
        return context;
    }

    private String failureReport(Class<?> application, String... properties) {
        assertThatThrownBy(() -> start(application, properties)).isInstanceOf(RuntimeException.class);
        return boot.eventsAtLeast(Level.ERROR).stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.contains("APPLICATION FAILED TO START"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no failure analysis was reported; captured: " + boot.events()));
    }

    private String[] common() {
        return new String[] {
            "spring.main.banner-mode=off",
            "spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/" + database,
            "spring.datasource.username=postgres",
            "spring.sql.init.mode=never",
            "management.endpoints.web.exposure.include=health",
            "management.endpoint.health.show-details=always",
            "server.port=0"
        };
    }

    private static HttpResponse<String> health(ConfigurableApplicationContext context) throws Exception {
        String port = context.getEnvironment().getProperty("local.server.port");
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode outboxHealth(HttpResponse<String> response) {
        return JsonMapper.builder()
                .build()
                .readTree(response.body())
                .path("components")
                .path("ballast")
                .path("components")
                .path("outbox");
    }

    private static void execute(String sql) throws Exception {
        try (var dataSource = LocalDatabases.postgres();
                Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static void executeIn(String database, String sql) throws Exception {
        try (Connection connection = java.sql.DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:5432/" + database, "postgres", "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
