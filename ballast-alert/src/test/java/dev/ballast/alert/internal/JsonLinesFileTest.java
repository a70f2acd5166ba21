package dev.ballast.alert.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.alert.DeliveryResult;
import dev.ballast.alert.Message;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class JsonLinesFileTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    /** A CRITICAL firing message numbered {@code i}; other tests of this package use it too. */
    static Message message(int i) {
        Alert alert = Alert.builder(Severity.CRITICAL, "Alert " + i)
                .detail("d".repeat(200))
                .fingerprint("f-" + i)
                .build();
        return new Message(
                Message.Kind.FIRING,
                Severity.CRITICAL,
                alert.title(),
                List.of(alert),
                0,
                Duration.ZERO,
                List.of(),
                Instant.EPOCH);
    }

    private List<Integer> numbers(Path file) throws Exception {
        List<Integer> numbers = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            numbers.add(Integer.parseInt(
                    JSON.readTree(line).get("fingerprint").asString().substring(2)));
        }
        return numbers;
    }

    @Test
    void twoWritersOfOnePathKeepEveryLineOnceAndEveryFileWithinItsSize() throws Exception {
        // two instances started in one directory share the default path: each has its own open file, as here
        Path path = dir.resolve("alerts.jsonl");
        JsonLinesFile first = new JsonLinesFile("file", path, 2_048, 20);
        JsonLinesFile second = new JsonLinesFile("file", path, 2_048, 20);
        for (int i = 0; i < 40; i++) {
            assertThat((i % 2 == 0 ? first : second).deliver(message(i)).outcome())
                    .isEqualTo(DeliveryResult.Outcome.DELIVERED);
        }
        first.close();
        second.close();

        List<Integer> all = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path written : files.toList()) {
                assertThat(Files.size(written))
                        .as("%s: rotated by its real size, not one writer's count", written.getFileName())
                        .isLessThanOrEqualTo(2_048);
                all.addAll(numbers(written));
            }
        }
        assertThat(all)
                .containsExactlyInAnyOrderElementsOf(
                        java.util.stream.IntStream.range(0, 40).boxed().toList());
    }

    @Test
    void aFileThatWouldPassItsSizeIsRotatedKeepingTheNewestLinesAndOnlyKeepOldFiles() throws Exception {
        Path path = dir.resolve("alerts.jsonl");
        JsonLinesFile file = new JsonLinesFile("file", path, 2_048, 2);
        for (int i = 0; i < 40; i++) {
            assertThat(file.write(message(i), i % 2 == 0 ? "discord" : null, i % 2 == 0 ? "queue full" : null)
                            .outcome())
                    .isEqualTo(DeliveryResult.Outcome.DELIVERED);
        }
        file.close();

        Path first = dir.resolve("alerts.jsonl.1");
        Path second = dir.resolve("alerts.jsonl.2");
        assertThat(dir.resolve("alerts.jsonl.3")).doesNotExist();
        for (Path each : List.of(path, first, second)) {
            assertThat(Files.size(each)).isPositive().isLessThanOrEqualTo(2_048);
        }
        List<Integer> all = new ArrayList<>(numbers(second));
        all.addAll(numbers(first));
        all.addAll(numbers(path));
        // the newest lines, oldest file first, none repeated or skipped
        assertThat(all.getLast()).isEqualTo(39);
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i)).isEqualTo(all.get(i - 1) + 1);
        }
        assertThat(all.getFirst()).isPositive(); // the oldest were deleted with the third file
        assertThat(Files.readAllLines(path).getLast()).contains("\"fingerprint\":\"f-39\"");

        JsonLinesFile reopened = new JsonLinesFile("file", path, 2_048, 2);
        reopened.deliver(message(40));
        reopened.close();
        assertThat(numbers(path).getLast()).isEqualTo(40);
    }
}
