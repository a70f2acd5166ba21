package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BoundedLatency;
import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.FaultWindow;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.NoAcknowledgedWriteLost;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.ServerErrorBudget;
import dev.ballast.test.KafkaBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The alert channel (a Slack-type webhook, played by an HTTP server in the test) answering 429 to everything and then
 * failing with 503, while a CRITICAL alert is raised: forged records on the orders topic (a genuine record's headers
 * over a changed payload) make the settlement consumer's inbox raise "Consumed event failed its integrity check".
 * Hypothesis: alerting never blocks the business (orders are answered as before, every order settles) and the CRITICAL
 * is not lost: it reaches the channel once it answers again, or the alert file, naming the channel it stands in for.
 */
@ExtendWith(ChaosReport.class)
class AlertChannelScenario {

    private static final String CRITICAL = "Consumed event failed its integrity check";

    @Test
    @DisplayName("(23) alert channel 429-flooding, then down")
    void ordersAreUnaffectedAndTheCriticalAlertIsNotLostWhileTheChannelRefuses(Scenario scenario) throws Exception {
        scenario.fault("the Slack webhook answers 429 (Retry-After 2 s), then 503, while a CRITICAL alert is raised");
        Path alertFile =
                Path.of("target", "chaos", "alert-channel", "alerts.jsonl").toAbsolutePath();
        Files.createDirectories(alertFile.getParent());
        Files.deleteIfExists(alertFile);
        Webhook webhook = Webhook.start();
        try (webhook;
                KafkaBroker kafka = KafkaBroker.create().start();
                BrokerageCluster cluster = BrokerageCluster.builder("alert-channel")
                        .env("SPRING_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers())
                        .env("BALLAST_ALERT_CHANNELS_CHAT_TYPE", "slack")
                        .env("BALLAST_ALERT_CHANNELS_CHAT_URL", webhook.url())
                        .env("BALLAST_ALERT_FILE_PATH", alertFile.toString())
                        .start()) {
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
            int forgedRecords = 3;
            try (Load load = Load.start(history, 4, workload::order);
                    KafkaProducer<String, byte[]> foreign = new KafkaProducer<>(
                            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                            new StringSerializer(),
                            new ByteArraySerializer())) {
                new FaultWindow(200, Duration.ofSeconds(8), 200)
                        .run(
                                history,
                                load,
                                () -> {
                                    webhook.answer(429);
                                    ConsumerRecord<String, byte[]> genuine = Consumed.firstRecord(
                                            kafka.bootstrapServers(),
                                            KafkaFaultsScenario.TOPIC,
                                            Duration.ofSeconds(30));
                                    for (int i = 0; i < forgedRecords; i++) {
                                        ProducerRecord<String, byte[]> forged = new ProducerRecord<>(
                                                KafkaFaultsScenario.TOPIC,
                                                genuine.key(),
                                                KafkaFaultsScenario.forged(genuine.value(), i));
                                        genuine.headers().forEach(header -> forged.headers()
                                                .add(header));
                                        foreign.send(forged).get(10, TimeUnit.SECONDS);
                                    }
                                },
                                () -> {
                                    webhook.answer(503);
                                    // the second half of the fault: the channel is down for 8 s, then back on a timer;
                                    // the fault ends (and recovery is measured) when it is back
                                    CompletableFuture.runAsync(
                                                    () -> webhook.answer(200),
                                                    CompletableFuture.delayedExecutor(8, TimeUnit.SECONDS))
                                            .get(30, TimeUnit.SECONDS);
                                });
            }
            long end = history.markOf(FaultWindow.END).orElseThrow();
            String where = criticalDelivered(webhook, alertFile);
            scenario.recovery(Duration.ofNanos(System.nanoTime() - end));
            long orders = cluster.count("SELECT COUNT(*) FROM orders");
            long settled = Waits.settlements(cluster, orders);
            long violations =
                    cluster.count("SELECT COUNT(*) FROM ballast_inbox_dlq WHERE reason = 'INTEGRITY_VIOLATION'");
            scenario.fault("the Slack webhook (an HTTP server in the test) answers every POST 429 with Retry-After 2 s"
                    + " for 8 s, then 503 for 8 s; " + forgedRecords + " forged records on the orders topic raise a"
                    + " CRITICAL meanwhile");
            scenario.verify(
                    history,
                    new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                    new ServerErrorBudget(0),
                    new BoundedLatency("order", Duration.ofSeconds(2)),
                    ignored -> Check.of(
                            "every order settled exactly once",
                            settled == orders,
                            orders + " orders, " + settled + " settlements"),
                    ignored -> Check.of(
                            "the refusing channel was not hammered: at most one post per second of refusal",
                            webhook.refused.get() <= 16,
                            webhook.refused.get() + " posts answered 429 or 503 in 16 s"),
                    ignored -> Check.of(
                            "the CRITICAL alert is not lost",
                            !where.isEmpty() && violations == forgedRecords,
                            (where.isEmpty() ? "neither on the channel nor in the alert file" : where) + "; "
                                    + violations + " forged records dead-lettered; the webhook answered "
                                    + webhook.refused.get() + " posts with 429/503"));
        }
    }

    /** Where the CRITICAL ended up (waiting for it): on the channel after it recovered, or in the alert file. */
    private static String criticalDelivered(Webhook webhook, Path alertFile) {
        try {
            Waits.until("the CRITICAL on the channel or in the alert file", Duration.ofSeconds(90), () -> !where(
                            webhook, alertFile)
                    .isEmpty());
        } catch (ConditionTimeoutException lost) {
            return "";
        }
        try {
            return where(webhook, alertFile);
        } catch (IOException e) {
            return "";
        }
    }

    private static String where(Webhook webhook, Path alertFile) throws IOException {
        for (String body : webhook.delivered) {
            if (body.contains("[CRITICAL]") && body.contains(CRITICAL)) {
                return "delivered to the channel once it answered 200";
            }
        }
        if (Files.exists(alertFile)) {
            for (String line : Files.readAllLines(alertFile, StandardCharsets.UTF_8)) {
                if (line.contains(CRITICAL) && line.contains("CRITICAL") && line.contains("fallbackFor")) {
                    return "in the alert file standing in for the channel";
                }
            }
        }
        return "";
    }
}
