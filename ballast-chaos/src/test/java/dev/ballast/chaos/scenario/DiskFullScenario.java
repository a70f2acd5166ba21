package dev.ballast.chaos.scenario;

import dev.ballast.chaos.BrokerageCluster;
import dev.ballast.chaos.BrokerageWorkload;
import dev.ballast.chaos.ChaosReport;
import dev.ballast.chaos.Check;
import dev.ballast.chaos.History;
import dev.ballast.chaos.Load;
import dev.ballast.chaos.NoAcknowledgedWriteLost;
import dev.ballast.chaos.Scenario;
import dev.ballast.chaos.ServerErrorBudget;
import dev.ballast.test.ChildService;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The alert file, every alert's fallback and the place a person can always look, on a filesystem that is full (a 64 KiB
 * tmpfs of the test's own, filled before the service starts), while a CRITICAL alert is raised: a pending outbox event
 * tampered with in the database, as in (18). Hypothesis: the full disk costs the business nothing (every order answered
 * and stored, every other order settled), and the CRITICAL is not dropped silently: it reaches the chat channel (a
 * Slack-type webhook in the test), the failed file writes are counted ({@code ballast.alert.messages{channel=file,
 * result=failed}}), and the alert is written to the log, the last resort.
 */
@ExtendWith(ChaosReport.class)
class DiskFullScenario {

    private static final String CRITICAL = "Outbox event failed its integrity check";
    /** Alerts are routed after their group's window, and the file channel retries before it gives up. */
    private static final Duration ALERT_WAIT = Duration.ofSeconds(60);

    private static final String PENDING = KafkaFaultsScenario.PENDING;

    @Test
    @DisplayName("(22) disk full for the alert file")
    void aFullDiskUnderTheAlertFileLosesNoCriticalAndCostsTheBusinessNothing(Scenario scenario) throws Exception {
        scenario.fault("the alert file on a 64 KiB tmpfs filled to the last byte; a tampered outbox row raises a"
                + " CRITICAL (routed to the Slack-type webhook and the file)");
        Path mount = Path.of("target", "chaos", "disk-full", "mnt").toAbsolutePath();
        try (FullDisk disk = FullDisk.mount(mount);
                Webhook webhook = Webhook.start();
                BrokerageCluster cluster = BrokerageCluster.builder("disk-full")
                        .env("BALLAST_OUTBOX_RELAY_ENABLED", "false") // the events wait until one is tampered with
                        .env("BALLAST_ALERT_CHANNELS_CHAT_TYPE", "slack")
                        .env("BALLAST_ALERT_CHANNELS_CHAT_URL", webhook.url())
                        .env("BALLAST_ALERT_FILE_PATH", disk.alertFile().toString())
                        .start()) {
            History history = new History();
            BrokerageWorkload workload = new BrokerageWorkload(cluster::instances, Duration.ofSeconds(10));
            String tampered;
            long started;
            ChildService relay;
            try (Load load = Load.start(history, 4, workload::order)) {
                load.awaitMore(40, Duration.ofSeconds(60));
                tampered = OutboxFaultsScenario.firstEventId(cluster);
                cluster.postgres()
                        .execute(
                                BrokerageCluster.DATABASE,
                                "UPDATE ballast_outbox SET payload = convert_to('{\"orderId\":\"forged\"}', 'UTF8')"
                                        + " WHERE event_id = '" + tampered + "'");
                started = System.nanoTime();
                relay = cluster.startInstance(Map.of("BALLAST_OUTBOX_RELAY_ENABLED", "true"));
                // not awaitHealthy(): the CRITICAL turns the health DEGRADED (outside readiness)
                Waits.until(
                        "the relaying instance ready",
                        Duration.ofSeconds(120),
                        () -> relay.get("/actuator/health/readiness").statusCode() == 200);
                load.awaitMore(100, Duration.ofSeconds(60));
            }
            Waits.until("every event published or dead", Duration.ofSeconds(60), () -> cluster.count(PENDING) == 0);
            boolean onChannel = Waits.within("the CRITICAL on the webhook", ALERT_WAIT, () -> webhook.delivered.stream()
                    .anyMatch(body -> body.contains("[CRITICAL]") && body.contains(CRITICAL)));
            scenario.recovery(Duration.ofNanos(System.nanoTime() - started));
            boolean fileWritesFailed = Waits.within(
                    "failed writes to the alert file counted",
                    ALERT_WAIT,
                    () -> relay.metric("ballast_alert_messages_total\\{.*channel=\"file\".*result=\"failed\".*") > 0);
            boolean inLog = Waits.within("the CRITICAL in the log", ALERT_WAIT, () -> {
                String log = relay.log();
                return log.contains("[CRITICAL]") && log.contains(CRITICAL);
            });
            boolean inFile = disk.alertFileContains(CRITICAL);
            long free = disk.free();
            long dead = cluster.count("SELECT COUNT(*) FROM ballast_outbox_dlq WHERE reason = 'INTEGRITY_VIOLATION'"
                    + " AND event_id = '" + tampered + "'");
            long orders = cluster.count("SELECT COUNT(*) FROM orders");
            Waits.within(
                    "every other order settled",
                    Duration.ofSeconds(60),
                    () -> cluster.count("SELECT COUNT(*) FROM settlement") >= orders - 1);
            long settled = cluster.count("SELECT COUNT(*) FROM settlement");
            scenario.verify(
                    history,
                    new NoAcknowledgedWriteLost("order", cluster.storedOrderKeys()),
                    new ServerErrorBudget(0),
                    ignored -> Check.of(
                            "the tampered event dead-lettered, every other order settled",
                            dead == 1 && settled == orders - 1,
                            dead + " tampered event dead-lettered; " + orders + " orders, " + settled + " settled"),
                    ignored -> Check.of(
                            "the disk was full: the CRITICAL is not in the alert file",
                            !inFile,
                            inFile ? "the alert file holds it" : "not in the alert file (" + free + " bytes free)"),
                    ignored -> Check.of(
                            "the CRITICAL is not lost: on the chat channel, failed file writes counted, in the log",
                            onChannel && fileWritesFailed && inLog,
                            "webhook " + (onChannel ? "has it" : "does not have it") + "; failed file writes "
                                    + (fileWritesFailed ? "counted" : "not counted") + "; log "
                                    + (inLog ? "has it" : "does not have it")));
        }
    }

    /**
     * A 64 KiB tmpfs of the test's own, filled to the last byte by a filler file; unmounted on close. Mounting needs
     * root (as on the CI machine); where it is refused the scenario fails saying so, it is never skipped.
     */
    private static final class FullDisk implements AutoCloseable {
        private final Path mount;

        private FullDisk(Path mount) {
            this.mount = mount;
        }

        static FullDisk mount(Path mount) throws IOException, InterruptedException {
            if (Files.isDirectory(mount)) {
                run(List.of("umount", mount.toString()), true); // a mount left behind by an interrupted run
            }
            Files.createDirectories(mount);
            run(List.of("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount.toString()), false);
            FullDisk disk = new FullDisk(mount);
            disk.fill();
            return disk;
        }

        Path alertFile() {
            return mount.resolve("alerts.jsonl");
        }

        long free() throws IOException {
            return Files.getFileStore(mount).getUsableSpace();
        }

        boolean alertFileContains(String text) throws IOException {
            return Files.exists(alertFile())
                    && Files.readString(alertFile(), StandardCharsets.UTF_8).contains(text);
        }

        private void fill() throws IOException {
            byte[] block = new byte[512];
            try (OutputStream out = Files.newOutputStream(mount.resolve("filler"))) {
                for (int i = 0; i < 1_000; i++) { // 64 KiB is 128 blocks: bounded well above that
                    out.write(block);
                    out.flush();
                }
                throw new IllegalStateException(
                        "the tmpfs at " + mount + " took 500 KiB: its size limit is not in force");
            } catch (IOException full) {
                if (free() != 0) {
                    throw new IOException("the tmpfs at " + mount + " is not full: " + free() + " bytes free", full);
                }
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            run(List.of("umount", mount.toString()), false);
        }

        private static void run(List<String> command, boolean mayFail) throws IOException, InterruptedException {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within 30 s");
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (process.exitValue() != 0 && !mayFail) {
                throw new IOException(String.join(" ", command) + " failed (exit " + process.exitValue() + "): "
                        + output + (command.getFirst().equals("mount") ? " (mounting a tmpfs needs root)" : ""));
            }
        }
    }
}
