package dev.ballast.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Callers on virtual threads (Spring's {@code spring.threads.virtual.enabled}) must park, not spin, while a flight
 * they may not join ends: a virtual thread that never parks keeps its carrier, and with every carrier taken the flight
 * cannot go on. Chaos scenario (1) once hung one instance's every quote request this way after Redis came back (L1
 * cleared, so every running flight had begun before an invalidation). Run in a JVM with one carrier ({@link
 * OneCarrierFlight}), where one such caller is enough.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LocalFlightsOnVirtualThreadsTest {

    @Test
    void aCallerWaitingForAFlightBegunBeforeAnInvalidationLetsItFinishOnTheOnlyCarrier(@TempDir Path dir)
            throws Exception {
        Path out = dir.resolve("out.txt");
        Process child = new ProcessBuilder(List.of(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-Djdk.virtualThreadScheduler.parallelism=1",
                        "-Djdk.virtualThreadScheduler.maxPoolSize=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        OneCarrierFlight.class.getName()))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        boolean exited = child.waitFor(45, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly();
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);

        assertThat(exited).as("the child JVM exited; its output: %s", output).isTrue();
        assertThat(child.exitValue()).as("exit code; output: %s", output).isZero();
        assertThat(output).contains("second caller got after-invalidation");
    }
}
