package dev.ballast.example.adoption;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 item 13: the README's {@code ./mvnw verify} on a machine where a local service is down stops at once with
 * one line naming the service and the command that starts it. The root build runs {@code scripts/local-services
 * ensure} first; here the script is pointed at a closed port (BALLAST_RABBITMQ_PORT), so the shared services are never
 * stopped.
 */
class LocalServicesCheckTest {

    private static final Path SCRIPT = RepositoryDocsTest.ROOT.resolve("scripts/local-services");

    @Test
    void aServiceThatIsDownStopsTheCheckAtOnceWithOneLineNamingItAndTheCommandThatStartsIt() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Path stderr = Files.createTempFile("local-services", ".err");
        ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), "ensure")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(stderr.toFile());
        builder.environment().put("BALLAST_RABBITMQ_PORT", Integer.toString(closed));
        Process check = builder.start();

        assertThat(check.waitFor(20, TimeUnit.SECONDS))
                .as("the check ends at once")
                .isTrue();
        List<String> lines = Files.readAllLines(stderr, StandardCharsets.UTF_8);
        Files.delete(stderr);

        assertThat(check.exitValue()).isEqualTo(1);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .contains("rabbitmq is not running on 127.0.0.1:" + closed)
                .contains("start it with: rabbitmq-server -detached")
                .contains("-DskipTests");
    }
}
