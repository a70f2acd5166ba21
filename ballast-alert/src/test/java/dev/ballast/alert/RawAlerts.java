package dev.ballast.alert;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.Severity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads what {@code AlertRouter.Builder#recordRawAlerts} wrote (one JSON line per alert received) back into alerts. */
final class RawAlerts {

    /** One raw alert: received at {@code at} by the router of {@code source} (a run's instance). */
    record Raw(String source, Instant at, Alert alert) {}

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private RawAlerts() {}

    /** The lines of {@code file}; a line's own {@code source} field, if any, wins over {@code source}. */
    static List<Raw> read(Path file, String source) throws IOException {
        List<Raw> raws = new ArrayList<>();
        try (var lines = Files.lines(file)) {
            lines.filter(line -> !line.isBlank()).forEach(line -> raws.add(parse(line, source)));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return raws;
    }

    static Raw parse(String line, String source) {
        JsonNode node = MAPPER.readTree(line);
        Alert.Builder builder = Alert.builder(
                        Severity.valueOf(node.get("severity").asString()),
                        node.get("title").asString())
                .fingerprint(node.get("fingerprint").asString())
                .timestamp(Instant.parse(node.get("raisedAt").asString()));
        for (Map.Entry<String, JsonNode> label : node.get("labels").properties()) {
            builder.label(label.getKey(), label.getValue().asString());
        }
        JsonNode own = node.get("source");
        return new Raw(
                own != null ? own.asString() : source,
                Instant.parse(node.get("at").asString()),
                builder.build());
    }
}
