package dev.ballast.test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Entry point of the child JVM that {@link KafkaBroker} starts: formats the log directory on first start (KRaft), then
 * runs {@code kafka.Kafka}. Halts when its standard input closes, so a broker never outlives the test JVM that started
 * it.
 *
 * <p>Arguments: server properties file, log directory, cluster id.
 */
public final class KafkaBrokerMain {

    private KafkaBrokerMain() {}

    public static void main(String[] args) throws IOException {
        Path config = Path.of(args[0]);
        Path logDir = Path.of(args[1]);
        String clusterId = args[2];
        Thread watchdog = new Thread(
                () -> {
                    try (InputStream in = System.in) {
                        while (in.read() >= 0) {
                            // nothing is sent; EOF means the parent is gone
                        }
                    } catch (IOException ignored) {
                        // treated as EOF
                    }
                    Runtime.getRuntime().halt(0);
                },
                "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            int rc = kafka.tools.StorageTool.execute(
                    new String[] {"format", "-t", clusterId, "-c", config.toString(), "--ignore-formatted"},
                    System.out);
            if (rc != 0) {
                System.out.println("FORMAT FAILED " + rc);
                Runtime.getRuntime().halt(rc);
            }
        }
        kafka.Kafka.main(new String[] {config.toString()});
    }
}
