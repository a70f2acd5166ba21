package dev.ballast.example.brokerage.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.test.ChildService;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The example jar run as an operator would: two child JVMs started at the same moment on one fresh database, configured
 * only by environment variables. PostgreSQL with the shared Redis (Redis L2 and the resilient lock chain), MariaDB
 * without Redis (locks in the database table). Both instances must come up on a schema they migrated exactly once, and
 * share accounts, orders, locks and the outbox.
 */
class ProductionDatabasesIT {

    private static final int DEPOSITS = 40;

    @Test
    void twoInstancesOnPostgresqlAndRedisShareAccountsOrdersLocksOutboxAndTheQuotesCache() throws Exception {
        try (FreshDatabase database = FreshDatabase.postgres()) {
            Map<String, String> environment = new HashMap<>(database.environment());
            environment.put("SPRING_DATA_REDIS_HOST", "127.0.0.1");
            try (ChildService a = ExampleInstance.start("pg-a", environment);
                    ChildService b = ExampleInstance.start("pg-b", environment)) {
                a.awaitHealthy();
                b.awaitHealthy();

                assertSharedWork(database, a, b);
                try (Connection connection = database.connect();
                        Statement statement = connection.createStatement();
                        ResultSet mode = statement.executeQuery("SELECT mode FROM ballast_lock_mode WHERE id = 1")) {
                    assertThat(mode.next()).as("the resilient chain's mode row").isTrue();
                    assertThat(mode.getString(1)).isEqualTo("PRIMARY");
                }
                assertThat(a.metric("ballast_lock_wait_seconds_count\\{[^}]*backend=\"resilient\"[^}]*\\}")
                                + b.metric("ballast_lock_wait_seconds_count\\{[^}]*backend=\"resilient\"[^}]*\\}"))
                        .as("deposits waited on the resilient (Redis first) chain")
                        .isEqualTo(DEPOSITS);

                // the quotes cache's L2 is the shared Redis: b is served what a loaded
                String symbol = "AAPL";
                assertThat(a.get("/api/quotes/" + symbol).statusCode()).isEqualTo(200);
                assertThat(b.get("/api/quotes/" + symbol).statusCode()).isEqualTo(200);
                assertThat(b.metric("brokerage_marketdata_calls_total(\\{[^}]*\\})?"))
                        .as("b's quote came from Redis")
                        .isZero();
            }
        }
    }

    @Test
    void twoInstancesOnMariadbShareAccountsOrdersLocksAndTheOutbox() throws Exception {
        try (FreshDatabase database = FreshDatabase.mariadb()) {
            try (ChildService a = ExampleInstance.start("maria-a", database.environment());
                    ChildService b = ExampleInstance.start("maria-b", database.environment())) {
                a.awaitHealthy();
                b.awaitHealthy();

                assertSharedWork(database, a, b);
                assertThat(count(database, "SELECT COUNT(*) FROM ballast_lock WHERE lock_key LIKE 'account:%'"))
                        .as("deposits locked in the database table")
                        .isEqualTo(1);
                assertThat(a.metric("ballast_lock_wait_seconds_count\\{[^}]*backend=\"jdbc\"[^}]*\\}")
                                + b.metric("ballast_lock_wait_seconds_count\\{[^}]*backend=\"jdbc\"[^}]*\\}"))
                        .isEqualTo(DEPOSITS);
                // the driver's WARN copy of a server error the service handled (the seeding race's duplicate key, a
                // retried deadlock: when they happen) is not logged
                assertThat(a.log() + b.log()).doesNotContain("ErrorPacket");
            }
        }
    }

    private static void assertSharedWork(FreshDatabase database, ChildService a, ChildService b) throws Exception {
        // migrated once, although both instances started together
        for (String history : List.of(
                "ballast_outbox_schema_history",
                "ballast_lock_schema_history",
                "ballast_alert_schema_history",
                "flyway_schema_history")) {
            assertThat(count(
                            database,
                            "SELECT COUNT(*) FROM " + history + " WHERE version = '1' AND success = "
                                    + (database.jdbcUrl.contains("postgresql") ? "true" : "1")))
                    .as(history)
                    .isEqualTo(1);
        }
        // seeded once: 100 accounts, although both instances seeded at the same moment
        assertThat(count(database, "SELECT COUNT(*) FROM account")).isEqualTo(100);

        // deposits to one account through both instances: the read-modify-write is serialised by the shared lock
        String account = "A-" + (90 + (int) (Math.random() * 10));
        List<Integer> statuses = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < DEPOSITS; i++) {
                ChildService instance = i % 2 == 0 ? a : b;
                responses.add(clients.submit(() ->
                        instance.post("/api/accounts/" + account + "/deposits", "{\"amount\": \"1.25\"}", Map.of())));
            }
            for (Future<HttpResponse<String>> response : responses) {
                statuses.add(response.get().statusCode());
            }
        }
        assertThat(statuses).containsOnly(200);
        BigDecimal expected = new BigDecimal("1.25").multiply(BigDecimal.valueOf(DEPOSITS));
        for (ChildService instance : List.of(a, b)) {
            assertThat(instance.get("/api/accounts/" + account).body())
                    .contains("\"balance\":\"" + expected.toPlainString() + "\"");
        }

        // an order placed on a is visible on b, and b recognises its idempotency key
        String key = "it-" + UUID.randomUUID();
        String body =
                "{\"accountId\": \"A-3\", \"symbol\": \"005930\", \"side\": \"BUY\", \"quantity\": 10, \"price\": \"71200.00\"}";
        HttpResponse<String> placed = a.post("/api/orders", body, Map.of("Idempotency-Key", key));
        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
        String orderId = field(placed.body(), "orderId");
        assertThat(b.get("/api/orders/" + orderId).statusCode()).isEqualTo(200);
        HttpResponse<String> repeated = b.post("/api/orders", body, Map.of("Idempotency-Key", key));
        assertThat(repeated.statusCode()).isEqualTo(200);
        assertThat(field(repeated.body(), "orderId")).isEqualTo(orderId);

        // its event is relayed from the shared outbox exactly once, by one of the two relays
        await("OrderPlaced relayed")
                .atMost(Duration.ofSeconds(30))
                .until(() -> count(database, "SELECT COUNT(*) FROM ballast_outbox WHERE status = 'PUBLISHED'") == 1);
        await("relay counters").atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                        a.metric("brokerage_outbox_received_total\\{[^}]*\\}")
                                + b.metric("brokerage_outbox_received_total\\{[^}]*\\}"))
                .isEqualTo(1));
    }

    private static long count(FreshDatabase database, String sql) throws SQLException {
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }

    private static String field(String json, String name) {
        Matcher matcher =
                Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        assertThat(matcher.find()).as(name + " in " + json).isTrue();
        return matcher.group(1);
    }
}
