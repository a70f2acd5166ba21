package dev.ballast.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * The instances under load: the URLs in {@code -Dload.baseUrls}, or one embedded instance of {@code -Dload.jar} that is
 * started here on a free loopback port (embedded defaults, {@code -Dload.quotesCache} passed as
 * {@code brokerage.quotes.cache}) and stopped by {@link #close()}. Also reads, summed over every target, the
 * upstream-call counter the example publishes and the process CPU time Micrometer publishes
 * ({@code process_cpu_time_ns_total}); and, with {@code -Dload.pgStatements} (a JDBC URL of the PostgreSQL the targets
 * use, which must have {@code pg_stat_statements} loaded) and {@code -Dload.pgDatabase} (their database), the statements
 * PostgreSQL executed in that database.
 */
final class Targets implements AutoCloseable {

    private static final Pattern UPSTREAM_CALLS =
            Pattern.compile("(?m)^brokerage_marketdata_calls_total(?:\\{[^}]*})? ([0-9.eE+]+)$");
    private static final Pattern CPU_NANOS =
            Pattern.compile("(?m)^process_cpu_time_ns_total(?:\\{[^}]*})? ([0-9.eE+]+)$");
    /** All statements, and those that are not transaction control or session settings. */
    private static final String STATEMENTS = "SELECT coalesce(sum(calls), 0),"
            + " coalesce(sum(calls) FILTER (WHERE query !~* '^\\s*(begin|commit|rollback|set|show|savepoint|release)\\M'), 0)"
            + " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = ?)";

    private final List<String> baseUrls;
    private final Path jar;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;
    private double upstreamAtStart;
    private double cpuNanosAtStart;
    private long[] statementsAtStart;

    private Targets(List<String> baseUrls, Path jar) {
        this.baseUrls = baseUrls;
        this.jar = jar;
    }

    static Targets fromSystemProperties() {
        String given = System.getProperty("load.baseUrls", "").trim();
        if (!given.isEmpty()) {
            return new Targets(Arrays.stream(given.split(",")).map(String::trim).toList(), null);
        }
        Path jar =
                Path.of(System.getProperty("load.jar", "../examples/brokerage-service/target/brokerage-service.jar"));
        return new Targets(List.of("http://127.0.0.1:" + freePort()), jar);
    }

    List<String> baseUrls() {
        return baseUrls;
    }

    /** Starts the embedded instance if there is one, and waits (at most 120 s) until every target is UP. */
    void start() {
        try {
            if (jar != null) {
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalStateException(
                            jar.toAbsolutePath()
                                    + " is missing: build it first (./mvnw -pl examples/brokerage-service -am package -DskipTests)");
                }
                Path log = Files.createTempFile("ballast-loadtest-", ".log");
                String port = baseUrls.getFirst().substring(baseUrls.getFirst().lastIndexOf(':') + 1);
                List<String> command = new ArrayList<>(List.of(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-Xmx512m",
                        "-jar",
                        jar.toAbsolutePath().toString()));
                ProcessBuilder builder =
                        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
                builder.environment().put("SERVER_PORT", port);
                builder.environment().put("BROKERAGE_QUOTES_CACHE", System.getProperty("load.quotesCache", "tiered"));
                process = builder.start();
                System.out.println("load: started " + jar.getFileName() + " on port " + port + ", log " + log);
            }
            for (String url : baseUrls) {
                Awaitility.await(url + " reporting UP")
                        .atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> {
                            if (process != null && !process.isAlive()) {
                                throw new IllegalStateException(
                                        "the embedded instance exited with " + process.exitValue());
                            }
                            return healthy(url);
                        });
            }
            upstreamAtStart = upstreamCalls();
            cpuNanosAtStart = cpuNanos();
            statementsAtStart = statements();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The sum of {@code brokerage_marketdata_calls_total} over every target. */
    double upstreamCalls() {
        double sum = 0;
        for (String url : baseUrls) {
            String body = get(url + "/actuator/prometheus");
            Matcher matcher = UPSTREAM_CALLS.matcher(body);
            if (matcher.find()) {
                sum += Double.parseDouble(matcher.group(1));
            }
        }
        return sum;
    }

    double upstreamCallsSinceStart() {
        return upstreamCalls() - upstreamAtStart;
    }

    /** The sum of {@code process_cpu_time_ns_total} over every target; NaN if a target does not publish it. */
    double cpuNanos() {
        double sum = 0;
        for (String url : baseUrls) {
            Matcher matcher = CPU_NANOS.matcher(get(url + "/actuator/prometheus"));
            sum += matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
        }
        return sum;
    }

    double cpuNanosSinceStart() {
        return cpuNanos() - cpuNanosAtStart;
    }

    /**
     * Statements executed in {@code -Dload.pgDatabase} since {@link #start()}, per {@code pg_stat_statements}: all, and
     * all but transaction control and session settings; null without {@code -Dload.pgStatements}.
     */
    long[] statementsSinceStart() {
        long[] now = statements();
        return now == null || statementsAtStart == null
                ? null
                : new long[] {now[0] - statementsAtStart[0], now[1] - statementsAtStart[1]};
    }

    private long[] statements() {
        String url = System.getProperty("load.pgStatements", "").trim();
        if (url.isEmpty()) {
            return null;
        }
        try (Connection connection =
                        DriverManager.getConnection(url, System.getProperty("load.pgUser", "postgres"), "");
                PreparedStatement query = connection.prepareStatement(STATEMENTS)) {
            query.setString(1, System.getProperty("load.pgDatabase", ""));
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return new long[] {row.getLong(1), row.getLong(2)};
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_statements at " + url + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy(); // SIGTERM: the example drains gracefully
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean healthy(String url) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(url + "/actuator/health"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"status\":\"UP\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String get(String url) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
