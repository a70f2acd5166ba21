package dev.ballast.example.brokerage.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.test.ChildService;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
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
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to one of two instances (child JVMs on one PostgreSQL database and the shared Redis) while clients keep
 * placing orders and deposits on both over keep-alive connections. A request refused at connect time (the instance no
 * longer listens) is sent to the other instance, as a load balancer would; a request that was sent and got no answer is
 * lost. The promise: none is lost, every answer is a success, the stopped instance's relay leaves no lease behind, and
 * the other relay publishes everything at once, not after the 60 s lease.
 */
class GracefulShutdownIT {

    private static final int CLIENTS = 8;
    private static final Duration LEASE = Duration.ofSeconds(60);

    @Test
    void sigtermUnderLoadLosesNoResponseAndLeavesNoRelayLease() throws Exception {
        try (FreshDatabase database = FreshDatabase.postgres()) {
            Map<String, String> environment = new HashMap<>(database.environment());
            environment.put("SPRING_DATA_REDIS_HOST", "127.0.0.1");
            environment.put("BALLAST_OUTBOX_RELAY_LEASE", LEASE.toSeconds() + "s");
            environment.put("BROKERAGE_OUTBOX_CONSUMER_DELAY", "5ms"); // relay waves take a while: leases are held
            try (ChildService a = ExampleInstance.start("shutdown-a", environment);
                    ChildService b = ExampleInstance.start("shutdown-b", environment)) {
                a.awaitHealthy();
                b.awaitHealthy();
                Load load = new Load(a, b);
                try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                    List<Future<?>> running = new ArrayList<>();
                    for (int i = 0; i < CLIENTS; i++) {
                        int client = i;
                        running.add(clients.submit(() -> load.run(client)));
                    }
                    await("load on both instances")
                            .atMost(Duration.ofSeconds(60))
                            .until(() -> load.answeredBy(a) > 100 && load.answeredBy(b) > 100);
                    await("a relay lease held by a")
                            .atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(10))
                            .until(() -> leasesHeldBy(database, a) > 0);

                    load.sigtermSentAt(a);
                    int exit = a.terminate(Duration.ofSeconds(45));
                    int answeredByB = load.answeredBy(b);
                    await("load goes on against b after a left")
                            .atMost(Duration.ofSeconds(30))
                            .until(() -> load.answeredBy(b) >= answeredByB + 100);
                    load.stop();
                    for (Future<?> client : running) {
                        client.get();
                    }
                    assertThat(exit).as("a's exit code after SIGTERM").isIn(0, 143);
                }

                SoftAssertions outcome = new SoftAssertions();
                outcome.assertThat(load.lost)
                        .as("requests sent that got no answer")
                        .isEmpty();
                outcome.assertThat(load.failures)
                        .as("answers that were not a success")
                        .isEmpty();
                outcome.assertThat(load.closedAfterSigterm.get())
                        .as("answers from a after SIGTERM carrying Connection: close")
                        .isPositive();
                outcome.assertThat(leasesHeldBy(database, a))
                        .as("relay leases a left behind")
                        .isZero();
                outcome.assertAll();
                assertThat(a.log()).contains("Drained in");

                // b's relay takes a's aggregates at once, not after the 60 s lease
                await("every event published by b")
                        .atMost(LEASE.dividedBy(3))
                        .until(() -> count(database, "SELECT COUNT(*) FROM ballast_outbox WHERE status <> 'PUBLISHED'")
                                == 0);
                assertThat(count(database, "SELECT COUNT(*) FROM orders")).isEqualTo(load.ordersCreated.get());
                assertThat(sumOfBalances(database))
                        .as("every acknowledged deposit applied once")
                        .isEqualByComparingTo(BigDecimal.valueOf(load.depositsAcknowledged.get()));
                // no lock a held is left: every account takes a deposit through b at once
                for (int account = 1; account <= Load.ACCOUNTS; account++) {
                    HttpResponse<String> deposit =
                            b.post("/api/accounts/A-" + account + "/deposits", "{\"amount\": \"1.00\"}", Map.of());
                    assertThat(deposit.statusCode()).as(deposit.body()).isEqualTo(200);
                }
            }
        }
    }

    /** Clients alternating between the two instances, each with its own keep-alive connections. */
    private static final class Load {
        static final int ACCOUNTS = 20;

        final Queue<String> lost = new ConcurrentLinkedQueue<>();
        final Queue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicInteger ordersCreated = new AtomicInteger();
        final AtomicInteger depositsAcknowledged = new AtomicInteger();
        final AtomicInteger closedAfterSigterm = new AtomicInteger();
        private final ChildService a;
        private final ChildService b;
        private final Map<Integer, AtomicInteger> answered = new HashMap<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private volatile int terminated = -1;

        Load(ChildService a, ChildService b) {
            this.a = a;
            this.b = b;
            answered.put(a.port(), new AtomicInteger());
            answered.put(b.port(), new AtomicInteger());
        }

        int answeredBy(ChildService instance) {
            return answered.get(instance.port()).get();
        }

        void sigtermSentAt(ChildService instance) {
            terminated = instance.port();
        }

        /** Stops the clients after their current request. */
        void stop() {
            stop.set(true);
        }

        void run(int client) {
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            for (int n = 0; !stop.get(); n++) {
                ChildService first = (client + n) % 2 == 0 ? a : b;
                ChildService other = first == a ? b : a;
                HttpRequest request = (client + n) % 3 == 0 ? deposit(first, n) : order(first);
                if (!send(http, first, request)) {
                    send(http, other, retarget(request, other)); // refused at connect: nothing reached first
                }
            }
        }

        /** Returns false only if the connection was refused (the request never reached the server). */
        private boolean send(HttpClient http, ChildService target, HttpRequest request) {
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                answered.get(target.port()).incrementAndGet();
                int status = response.statusCode();
                if (target.port() == terminated
                        && response.headers()
                                .firstValue("Connection")
                                .orElse("")
                                .equalsIgnoreCase("close")) {
                    closedAfterSigterm.incrementAndGet();
                }
                if (request.uri().getPath().endsWith("/deposits") && status == 200) {
                    depositsAcknowledged.incrementAndGet();
                } else if (status == 201) {
                    ordersCreated.incrementAndGet();
                } else {
                    failures.add(status + " from " + target.port() + " for " + request.uri() + ": " + response.body());
                }
                return true;
            } catch (ConnectException | HttpConnectTimeoutException refused) {
                return false;
            } catch (IOException e) {
                if (e.getCause() instanceof ConnectException) {
                    return false;
                }
                lost.add(request.method() + " " + request.uri() + ": " + e);
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }

        private static HttpRequest deposit(ChildService target, int n) {
            return json(target, "/api/accounts/A-" + (1 + n % ACCOUNTS) + "/deposits", "{\"amount\": \"1.00\"}", null);
        }

        private static HttpRequest order(ChildService target) {
            return json(
                    target,
                    "/api/orders",
                    "{\"accountId\": \"A-1\", \"symbol\": \"005930\", \"side\": \"BUY\", \"quantity\": 1,"
                            + " \"price\": \"71200.00\"}",
                    UUID.randomUUID().toString());
        }

        private static HttpRequest retarget(HttpRequest request, ChildService target) {
            String body = request.uri().getPath().endsWith("/deposits")
                    ? "{\"amount\": \"1.00\"}"
                    : "{\"accountId\": \"A-1\", \"symbol\": \"005930\", \"side\": \"BUY\", \"quantity\": 1,"
                            + " \"price\": \"71200.00\"}";
            return json(
                    target,
                    request.uri().getPath(),
                    body,
                    request.headers().firstValue("Idempotency-Key").orElse(null));
        }

        private static HttpRequest json(ChildService target, String path, String body, String idempotencyKey) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(target.uri(path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (idempotencyKey != null) {
                builder.header("Idempotency-Key", idempotencyKey);
            }
            return builder.build();
        }
    }

    private static long leasesHeldBy(FreshDatabase database, ChildService instance) throws SQLException {
        return count(
                database,
                "SELECT COUNT(*) FROM ballast_outbox_aggregate WHERE lease_owner LIKE '" + instance.pid() + "@%'");
    }

    private static BigDecimal sumOfBalances(FreshDatabase database) throws SQLException {
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT COALESCE(SUM(balance), 0) FROM account")) {
            result.next();
            return result.getBigDecimal(1);
        }
    }

    private static long count(FreshDatabase database, String sql) throws SQLException {
        try (Connection connection = database.connect();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }
}
