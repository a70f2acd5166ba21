package dev.ballast.outbox.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;

/**
 * The last resort when the dead-letter table cannot be written: one JSON object per line, appended and forced to disk
 * ({@code fsync}) before the call returns. Read back by {@code DeadLetters.importFile}. Thread-safe.
 */
public final class DeadLetterFile {

    private static final TypeReference<Map<String, Object>> ENTRY = new TypeReference<>() {};

    private final Path path;

    public DeadLetterFile(Path path) {
        this.path = path.toAbsolutePath();
    }

    public Path path() {
        return path;
    }

    synchronized void append(DeadLetterRow row) throws IOException {
        Map<String, Object> entry = row.toFileEntry();
        byte[] line = (Json.MAPPER.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
        Path parent = path.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (FileChannel channel = FileChannel.open(
                path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    /** Every entry in the file, in order; a torn last line (crash mid-write) is skipped. */
    public static synchronized List<Map<String, Object>> read(Path path) throws IOException {
        List<Map<String, Object>> entries = new ArrayList<>();
        if (!Files.exists(path)) {
            return entries;
        }
        for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                entries.add(Json.MAPPER.readValue(line, ENTRY));
            } catch (RuntimeException torn) {
                // only the last line can be torn, by a crash during append; it was never acknowledged
            }
        }
        return entries;
    }
}
