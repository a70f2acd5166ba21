package dev.ballast.boot.autoconfigure.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.alert.AlertRouter;
import dev.ballast.boot.autoconfigure.executor.BallastExecutorAutoConfiguration;
import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import dev.ballast.boot.internal.diagnostics.MissingBallastTablesException;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class BallastAlertAutoConfigurationTest {

    private static final String SECRET_URL = "https://discord.com/api/webhooks/123/secret-token";

    @TempDir
    Path dir;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        BallastAlertAutoConfiguration.class, BallastExecutorAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("ballast.alert.file.path=" + dir.resolve("alerts.jsonl"));
    }

    @Test
    void theRouterIsTheAlertSinkAndTheLoggingSinkBacksOff() {
        runner().run(context -> {
            assertThat(context).hasSingleBean(AlertSink.class);
            assertThat(context.getBean(AlertSink.class)).isInstanceOf(AlertRouter.class);
            AlertRouter router = context.getBean(AlertRouter.class);
            assertThat(router.channels()).containsExactly("file", "log");
            assertThat(router.routes()).extracting(r -> r.name()).containsExactly("critical", "warning", "info");
        });
    }

    @Test
    void channelsAndRoutesComeFromProperties() {
        runner().withPropertyValues(
                        "ballast.alert.channels.discord.type=discord",
                        "ballast.alert.channels.discord.url=" + SECRET_URL,
                        "ballast.alert.channels.slack.type=slack",
                        "ballast.alert.channels.slack.url=https://hooks.slack.com/services/T/B/x",
                        "ballast.alert.channels.pager.type=webhook",
                        "ballast.alert.channels.pager.url=https://pager.example/hook",
                        "ballast.alert.channels.pager.secret=0123456789abcdef0123",
                        "ballast.alert.routes[0].name=outbox",
                        "ballast.alert.routes[0].labels.module=outbox",
                        "ballast.alert.routes[0].channels=pager,file",
                        "ballast.alert.routes[0].continue-matching=true",
                        "ballast.alert.routes[1].name=rest",
                        "ballast.alert.routes[1].channels=discord,slack")
                .run(context -> {
                    AlertRouter router = context.getBean(AlertRouter.class);
                    assertThat(router.channels()).containsExactly("discord", "slack", "pager", "file", "log");
                    assertThat(router.routes()).hasSize(2);
                    assertThat(router.routes().get(0).continueMatching()).isTrue();
                    assertThat(router.routes().get(0).labels()).containsEntry("module", "outbox");
                });
    }

    @Test
    void recordRawWritesEveryReceivedAlertToItsFileAndAnUnwritableOneFailsStartUpNamingTheProperty() throws Exception {
        Path raw = dir.resolve("raw/raw-alerts.jsonl");
        Alert alert = Alert.builder(Severity.WARNING, "Cache 'quotes': Redis L2 unavailable")
                .fingerprint("ballast-cache-l2|quotes")
                .label("module", "cache")
                .build();
        runner().withPropertyValues("ballast.alert.record-raw=" + raw).run(context -> {
            AlertSink sink = context.getBean(AlertSink.class);
            sink.send(alert);
            sink.send(alert);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(raw) && Files.readAllLines(raw).size() == 2);
        });
        assertThat(Files.readAllLines(raw))
                .allSatisfy(line -> assertThat(line).contains("\"fingerprint\":\"ballast-cache-l2|quotes\""));

        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        runner().withPropertyValues("ballast.alert.record-raw=" + notADirectory.resolve("raw.jsonl"))
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("ballast.alert.record-raw"));
    }

    @Test
    void userAlertSinkMakesTheRouterBackOff() {
        runner().withBean("mySink", AlertSink.class, () -> alert -> {}).run(context -> {
            assertThat(context).doesNotHaveBean(AlertRouter.class);
            assertThat(context).hasSingleBean(AlertSink.class);
        });
    }

    @Test
    void aSharedDedupTimeoutOutOfRangeFailsStartUpAlsoWhileSharedDedupIsOff() {
        runner().withPropertyValues("ballast.alert.fatigue.shared-dedup-timeout=5m")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("ballast.alert.fatigue.shared-dedup-timeout")
                        .hasMessageContaining("10ms to 60s"));
        runner().withPropertyValues("ballast.alert.fatigue.shared-dedup-cool-down=0s")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("ballast.alert.fatigue.shared-dedup-cool-down"));
        runner().withPropertyValues("ballast.alert.fatigue.shared-dedup-timeout=60s")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void anIntakeCapacityTooSmallFailsStartUpShowingTheValueItIsNotASecret() {
        runner().withPropertyValues("ballast.alert.intake-capacity=0").run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            while (failure != null && !(failure instanceof InvalidBallastPropertyException)) {
                failure = failure.getCause();
            }
            assertThat(failure)
                    .isInstanceOf(InvalidBallastPropertyException.class)
                    .hasMessageContaining("ballast.alert.intake-capacity")
                    .hasMessageContaining("was 0");
            assertThat(((InvalidBallastPropertyException) failure).value()).isEqualTo("0");
        });
    }

    @Test
    void anInvalidWebhookUrlFailsStartUpNamingThePropertyButNotTheValue() {
        runner().withPropertyValues(
                        "ballast.alert.channels.discord.type=discord",
                        "ballast.alert.channels.discord.url=ftp://discord.com/api/webhooks/1/secret-token")
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable failure = context.getStartupFailure();
                    StringBuilder all = new StringBuilder();
                    for (Throwable t = failure; t != null; t = t.getCause()) {
                        all.append(t.getMessage()).append('\n');
                    }
                    assertThat(all.toString())
                            .contains("ballast.alert.channels.discord.url")
                            .doesNotContain("secret-token");
                });
    }

    @Test
    void aBadChannelSettingFailsStartUpNamingThePropertyAndTheValue() {
        runner().withPropertyValues(
                        "ballast.alert.channels.discord.type=discord",
                        "ballast.alert.channels.discord.url=" + SECRET_URL,
                        "ballast.alert.channels.discord.rate-per-second=0")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("ballast.alert.channels.discord")
                        .hasMessageContaining("ratePerSecond")
                        .hasMessageContaining("was 0.0")
                        .hasMessageNotContaining("secret-token"));
    }

    @Test
    void aRouteToAnUnknownChannelFailsStartUpNamingIt() {
        runner().withPropertyValues("ballast.alert.routes[0].name=x", "ballast.alert.routes[0].channels=pager")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("ballast.alert.routes")
                        .hasMessageContaining("'pager'"));
    }

    @Test
    void withSharedDedupTwoInstancesOnOneDatabaseSendAnAlertOnceAndWithoutADataSourceStartUpFails() {
        String fingerprint = "shared-" + java.util.UUID.randomUUID();
        Alert alert = Alert.builder(Severity.CRITICAL, "Dead letters")
                .fingerprint(fingerprint)
                .build();
        ApplicationContextRunner instance = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(BallastAlertAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean(javax.sql.DataSource.class, dev.ballast.test.LocalDatabases::postgres)
                .withPropertyValues(
                        "ballast.alert.fatigue.shared-dedup=true", "ballast.alert.schema.initialize=always");
        Path fileA = dir.resolve("a.jsonl");
        Path fileB = dir.resolve("b.jsonl");
        instance.withPropertyValues("ballast.alert.file.path=" + fileA).run(a -> instance.withPropertyValues(
                        "ballast.alert.file.path=" + fileB)
                .run(b -> {
                    a.getBean(AlertSink.class).send(alert);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> Files.exists(fileA)
                                    && Files.readAllLines(fileA).size() == 1);
                    b.getBean(AlertSink.class).send(alert);
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> b.getBean(MeterRegistry.class)
                                            .find("ballast.alert.suppressed")
                                            .tag("reason", "dedup-shared")
                                            .counter()
                                    != null);
                    assertThat(fileB).satisfiesAnyOf(file -> assertThat(file).doesNotExist(), file -> assertThat(file)
                            .isEmptyFile());
                }));

        runner().withPropertyValues("ballast.alert.fatigue.shared-dedup=true").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("ballast.alert.fatigue.shared-dedup")
                .hasMessageContaining("DataSource"));
    }

    @Test
    void withSharedDedupAMissingTableFailsStartUpNamingTheScriptAndAnInMemoryDatabaseGetsItFromTheScript() {
        org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
        h2.setURL("jdbc:h2:mem:alert-dedup-" + java.util.UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        ApplicationContextRunner shared = runner().withBean(javax.sql.DataSource.class, () -> h2)
                .withPropertyValues("ballast.alert.fatigue.shared-dedup=true");

        shared.withPropertyValues("ballast.alert.schema.initialize=never").run(context -> {
            assertThat(context).hasFailed();
            Throwable cause = context.getStartupFailure();
            while (cause != null && !(cause instanceof MissingBallastTablesException)) {
                cause = cause.getCause();
            }
            assertThat(cause).isInstanceOf(MissingBallastTablesException.class);
            MissingBallastTablesException missing = (MissingBallastTablesException) cause;
            assertThat(missing.description()).contains("ballast_alert_dedup", "ballast.alert.fatigue.shared-dedup");
            assertThat(missing.action())
                    .contains("classpath:db/ballast/alert/h2/V1__ballast_alert_dedup.sql")
                    .contains("ballast.alert.schema.initialize=always");
        });
        shared.run(
                context -> { // the default, embedded: the shipped script creates it on the in-memory database
                    assertThat(context).hasNotFailed();
                    try (java.sql.Connection connection = h2.getConnection();
                            java.sql.ResultSet rows = connection
                                    .createStatement()
                                    .executeQuery("SELECT COUNT(*) FROM ballast_alert_dedup")) {
                        assertThat(rows.next()).isTrue();
                    }
                });
    }

    @Test
    void webhookAddressesAndKeysAreMaskedInTheActuator() {
        runner().run(context -> {
            SanitizingFunction sanitizer = context.getBean("ballastAlertSanitizer", SanitizingFunction.class);
            MapPropertySource source = new MapPropertySource("test", java.util.Map.of());
            assertThat(sanitize(sanitizer, source, "ballast.alert.channels.discord.url", SECRET_URL))
                    .isEqualTo(SanitizableData.SANITIZED_VALUE);
            assertThat(sanitize(sanitizer, source, "ballast.alert.channels.pager.secret", "s"))
                    .isEqualTo(SanitizableData.SANITIZED_VALUE);
            assertThat(sanitize(sanitizer, source, "ballast.alert.actions.keys.k1", "c2VjcmV0"))
                    .isEqualTo(SanitizableData.SANITIZED_VALUE);
            assertThat(sanitize(sanitizer, source, "DISCORD_WEBHOOK", SECRET_URL))
                    .isEqualTo(SanitizableData.SANITIZED_VALUE);
            assertThat(sanitize(sanitizer, null, "ballast.alert.channels.discord.url", SECRET_URL))
                    .isEqualTo(SanitizableData.SANITIZED_VALUE);
            assertThat(sanitize(sanitizer, source, "ballast.alert.service", "brokerage"))
                    .isEqualTo("brokerage");
        });
    }

    @Test
    void secretsSetAsEnvironmentVariablesOrInBracketsAreMaskedInTheEnvEndpointShowingValues() {
        runner().run(context -> {
            SanitizingFunction sanitizer = context.getBean("ballastAlertSanitizer", SanitizingFunction.class);
            StandardEnvironment environment = new StandardEnvironment();
            environment.getPropertySources().stream()
                    .map(source -> source.getName())
                    .toList()
                    .forEach(environment.getPropertySources()::remove);
            environment
                    .getPropertySources()
                    .addFirst(new SystemEnvironmentPropertySource(
                            "systemEnvironment",
                            Map.of(
                                    "BALLAST_ALERT_CHANNELS_PAGER_TYPE", "webhook",
                                    "BALLAST_ALERT_CHANNELS_PAGER_URL", "https://pager.example/in/env-url-secret",
                                    "BALLAST_ALERT_CHANNELS_PAGER_SECRET", "env-hmac-secret-0123456789",
                                    "BALLAST_ALERT_ACTIONS_KEYS_K1", "env-action-key-secret",
                                    "BALLAST_ALERT_ALERTMANAGER_TOKEN", "env-am-token-secret",
                                    "BALLAST_ALERT_SERVICE", "brokerage")));
            environment
                    .getPropertySources()
                    .addFirst(new MapPropertySource(
                            "yaml",
                            Map.of(
                                    "ballast.alert.channels[ops_hook].url", "https://hooks.example/bracket-url-secret",
                                    "ballast.alert.channels[ops_hook].secret", "bracket-hmac-secret-0123")));
            EnvironmentEndpoint endpoint = new EnvironmentEndpoint(environment, List.of(sanitizer), Show.ALWAYS);

            List<String> shown = new ArrayList<>();
            endpoint.environment(null).getPropertySources().forEach(source -> source.getProperties()
                    .forEach((name, value) -> shown.add(name + "=" + value.getValue())));
            List<String> values = shown.stream()
                    .map(line -> line.substring(line.indexOf('=') + 1))
                    .toList();

            assertThat(shown)
                    .hasSize(8)
                    .contains("BALLAST_ALERT_SERVICE=brokerage", "BALLAST_ALERT_CHANNELS_PAGER_TYPE=webhook");
            assertThat(values).noneMatch(value -> value.contains("secret"));
            assertThat(endpoint.environmentEntry("ballast.alert.channels.pager.url")
                            .getProperty()
                            .getValue())
                    .isEqualTo(SanitizableData.SANITIZED_VALUE);
        });
    }

    @Test
    void theRouterIsNotConfiguredWhenDisabledOrWithoutTheModule() {
        runner().withPropertyValues("ballast.alert.enabled=false")
                .run(context -> assertThat(context.getBean(AlertSink.class)).isNotInstanceOf(AlertRouter.class));
        runner().withClassLoader(new FilteredClassLoader(AlertRouter.class))
                .run(context -> assertThat(context).doesNotHaveBean(AlertRouter.class));
    }

    private static Object sanitize(
            SanitizingFunction sanitizer,
            org.springframework.core.env.PropertySource<?> source,
            String key,
            Object value) {
        return sanitizer.apply(new SanitizableData(source, key, value)).getValue();
    }
}
