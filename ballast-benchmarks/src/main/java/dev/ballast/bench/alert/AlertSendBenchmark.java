package dev.ballast.bench.alert;

import dev.ballast.alert.AlertRouter;
import dev.ballast.alert.Channel;
import dev.ballast.alert.ChannelSettings;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@code AlertSink.send} costs the calling (business) thread while the only chat webhook hangs (accepts the
 * connection, never answers): the router against an empty sink (baseline) and against the naive sink a team writes
 * first, a synchronous {@code HttpClient.send} to the webhook with a 200 ms timeout. WARNING alerts with distinct
 * fingerprints, so nothing is deduplicated away; 2 threads send at once.
 *
 * <p>Run: {@code ./mvnw -q -pl ballast-benchmarks -am package -DskipTests && JAVA_HOME=<jdk21+> $JAVA_HOME/bin/java
 * -jar ballast-benchmarks/target/benchmarks.jar AlertSendBenchmark -rf json -rff target/alert-send.json}. Results:
 * {@code docs/benchmarks.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(2)
public class AlertSendBenchmark {

    @Param({"baseline", "router-hung-webhook", "naive-sync-hung-webhook"})
    public String subject;

    private HungWebhook webhook;
    private AlertSink sink;
    private AlertRouter router;
    private Alert[] alerts;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        webhook = new HungWebhook();
        alerts = new Alert[1024];
        for (int i = 0; i < alerts.length; i++) {
            alerts[i] = Alert.builder(Severity.WARNING, "Executor pool at 95 %")
                    .fingerprint("bench-" + i)
                    .label("module", "executor")
                    .build();
        }
        sink = switch (subject) {
            case "baseline" -> alert -> {};
            case "router-hung-webhook" -> {
                router = AlertRouter.builder()
                        .channel(
                                Channel.discord(
                                        "discord", webhook.url(), Duration.ofMillis(200), Duration.ofMillis(200)),
                                ChannelSettings.DEFAULTS)
                        .channel(Channel.file(
                                "file", Files.createTempFile("ballast-bench-alerts", ".jsonl"), 64 << 20, 1))
                        .build();
                yield router;
            }
            case "naive-sync-hung-webhook" -> naive(webhook);
            default -> throw new IllegalArgumentException(subject);
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (router != null) {
            router.close();
        }
        webhook.close();
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Benchmark
    public void send(Cursor cursor) {
        sink.send(alerts[cursor.next++ & (alerts.length - 1)]);
    }

    private static AlertSink naive(HungWebhook webhook) {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        return alert -> {
            HttpRequest request = HttpRequest.newBuilder(webhook.url())
                    .timeout(Duration.ofMillis(200))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"" + alert.title() + "\"}"))
                    .build();
            try {
                client.send(request, HttpResponse.BodyHandlers.discarding());
            } catch (IOException e) {
                // the naive sink swallows it; the business call already paid the timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }
}
