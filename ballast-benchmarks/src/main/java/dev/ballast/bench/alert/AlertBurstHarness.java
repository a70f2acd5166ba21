package dev.ballast.bench.alert;

import dev.ballast.alert.AlertRouter;
import dev.ballast.alert.Channel;
import dev.ballast.alert.ChannelSettings;
import dev.ballast.alert.Route;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A burst of 100,000 alerts (1 % CRITICAL, 9 % WARNING, 90 % INFO, every fingerprint distinct so nothing is
 * deduplicated, no grouping) from 4 threads into a router whose Discord-like channel enforces 5 requests per 2 s with
 * 429 + Retry-After, beside a channel that accepts everything and the alert file. Per trial it prints the caller's
 * send latency (p50/p99/p99.9/max), CRITICAL delivered or in the file (lost = 1,000 minus both), the drops counted in
 * {@code ballast.alert.dropped{severity}}, the request rate the limited webhook saw (it announces 5 per 2 s) and how
 * many 429s it had to send (any request over its limit gets one).
 *
 * <p>Run: {@code ./mvnw -q -pl ballast-benchmarks -am package -DskipTests && JAVA_HOME=<jdk21+> $JAVA_HOME/bin/java -cp
 * ballast-benchmarks/target/benchmarks.jar dev.ballast.bench.alert.AlertBurstHarness 5}. Results: {@code
 * docs/benchmarks.md}.
 */
public final class AlertBurstHarness {

    private static final int ALERTS = 100_000;
    private static final int THREADS = 4;
    private static final Pattern FINGERPRINT = Pattern.compile("\"name\":\"fingerprint\",\"value\":\"(burst-\\d+)\"");

    private AlertBurstHarness() {}

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.printf(
                "CPU: %s, %d cores, %s%n",
                cpu(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
        System.out.println(
                "| trial | send p50 ns | p99 ns | p99.9 ns | max ns | CRITICAL delivered | in file | lost"
                        + " | dropped INFO | dropped WARNING | dropped CRITICAL | requests/s to the limited webhook (limit 2.5) | 429s |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int trial = 1; trial <= trials; trial++) {
            trial(trial);
        }
    }

    private static void trial(int trial) throws Exception {
        Path dir = Files.createTempDirectory("ballast-burst-");
        Path file = dir.resolve("alerts.jsonl");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RateLimitedWebhook limited = new RateLimitedWebhook(5, 2_000);
                RateLimitedWebhook open = new RateLimitedWebhook(0, 1_000)) {
            AlertRouter router = AlertRouter.builder()
                    .meterRegistry(registry)
                    .channel(
                            Channel.discord("limited", limited.url(), Duration.ofSeconds(1), Duration.ofSeconds(2)),
                            ChannelSettings.DEFAULTS.withRate(2.5, 5))
                    .channel(
                            Channel.slack("open", open.url(), Duration.ofSeconds(1), Duration.ofSeconds(2)),
                            ChannelSettings.DEFAULTS.withRate(2_000, 100))
                    .channel(Channel.file("file", file, 256L << 20, 1))
                    .route(new Route(
                            "chat", Set.of(), Map.of(), List.of("limited", "open"), true, List.of(), Duration.ZERO))
                    .route(new Route(
                            "file",
                            Set.of(Severity.CRITICAL),
                            Map.of(),
                            List.of("file"),
                            false,
                            List.of(),
                            Duration.ZERO))
                    .build();
            long[] latencies = new long[ALERTS];
            CountDownLatch start = new CountDownLatch(1);
            Thread[] threads = new Thread[THREADS];
            for (int t = 0; t < THREADS; t++) {
                int first = t;
                threads[t] = Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = first; i < ALERTS; i += THREADS) {
                        Alert alert = alert(i);
                        long begin = System.nanoTime();
                        router.send(alert);
                        latencies[i] = System.nanoTime() - begin;
                    }
                });
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            Thread.sleep(10_000); // the limited channel works through its queue at its rate
            router.close();
            Set<String> delivered = new HashSet<>();
            for (RateLimitedWebhook.Request request : limited.requests()) {
                Matcher matcher = FINGERPRINT.matcher(request.body());
                while (matcher.find()) {
                    if (Integer.parseInt(matcher.group(1).substring(6)) % 100 == 0) {
                        delivered.add(matcher.group(1));
                    }
                }
            }
            Set<String> inFile = new HashSet<>();
            for (String line : Files.readAllLines(file)) {
                if (line.contains("\"fallbackFor\":\"limited\"") && line.contains("\"severity\":\"CRITICAL\"")) {
                    Matcher matcher =
                            Pattern.compile("\"fingerprint\":\"(burst-\\d+)\"").matcher(line);
                    if (matcher.find()) {
                        inFile.add(matcher.group(1));
                    }
                }
            }
            Set<String> seen = new HashSet<>(delivered);
            seen.addAll(inFile);
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            long rejected =
                    limited.requests().stream().filter(r -> r.status() == 429).count();
            System.out.printf(
                    "| %d | %d | %d | %d | %d | %d | %d | %d | %.0f | %.0f | %.0f | %.2f | %d |%n",
                    trial,
                    sorted[ALERTS / 2],
                    sorted[ALERTS * 99 / 100],
                    sorted[ALERTS * 999 / 1000],
                    sorted[ALERTS - 1],
                    delivered.size(),
                    inFile.size(),
                    ALERTS / 100 - seen.size(),
                    dropped(registry, "INFO"),
                    dropped(registry, "WARNING"),
                    dropped(registry, "CRITICAL"),
                    limited.meanRate(),
                    rejected);
        }
    }

    private static Alert alert(int i) {
        Severity severity = i % 100 == 0 ? Severity.CRITICAL : i % 10 == 0 ? Severity.WARNING : Severity.INFO;
        return Alert.builder(severity, "Burst alert " + i)
                .fingerprint("burst-" + i)
                .label("module", "bench")
                .build();
    }

    private static double dropped(SimpleMeterRegistry registry, String severity) {
        return registry.find("ballast.alert.dropped").tag("severity", severity).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private static String cpu() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .findFirst()
                    .map(line -> line.substring(line.indexOf(':') + 2))
                    .orElse("unknown");
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
