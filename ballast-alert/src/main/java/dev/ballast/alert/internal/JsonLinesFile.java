package dev.ballast.alert.internal;

import dev.ballast.alert.Channel;
import dev.ballast.alert.DeliveryResult;
import dev.ballast.alert.Message;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Messages as JSON lines ({@link MessageJson} plus, for a fallback, {@code fallbackFor} and {@code reason}), each
 * line written and fsynced before {@link #deliver} returns; when the file would pass {@code maxBytes} it is renamed to
 * {@code .1} (older ones shift up to {@code .<keep>}, the oldest is deleted). Thread-safe: writes are serialised.
 * Two processes may write one path (two instances started in one directory): each line is one append, so lines stay
 * whole; the size checked is the file's own, and a process whose file another one rotated opens the new one before
 * its next line (two rotating at the same moment can leave one rotated file short).
 */
public final class JsonLinesFile implements Channel {

    private static final Logger log = LoggerFactory.getLogger(JsonLinesFile.class);

    private final String name;
    private final Path file;
    private final long maxBytes;
    private final int keep;
    private @Nullable FileOutputStream out;
    private @Nullable Object openKey;
    private long size;

    public JsonLinesFile(String name, Path file, long maxBytes, int keep) {
        this.name = Objects.requireNonNull(name, "name");
        this.file = Objects.requireNonNull(file, "file");
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("Alert file maxBytes must be at least 1024, was " + maxBytes);
        }
        if (keep < 1 || keep > 100) {
            throw new IllegalArgumentException("Alert file keep must be 1 to 100, was " + keep);
        }
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Kind kind() {
        return Kind.FILE;
    }

    /** The file written to now. */
    public Path path() {
        return file;
    }

    @Override
    public DeliveryResult deliver(Message message) {
        return write(message, null, null);
    }

    /** Writes {@code message} as the fallback of channel {@code fallbackFor}, which failed for {@code reason}. */
    public DeliveryResult write(Message message, @Nullable String fallbackFor, @Nullable String reason) {
        ObjectNode line = MessageJson.of(message);
        if (fallbackFor != null) {
            line.put("fallbackFor", fallbackFor);
            line.put("reason", reason);
        }
        byte[] bytes = (Json.MAPPER.writeValueAsString(line) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        synchronized (this) {
            try {
                // a stream, not a FileChannel: an interrupted caller (a worker shutting down) must still write
                FileOutputStream stream = open(bytes.length);
                stream.write(bytes);
                stream.getFD().sync();
                size += bytes.length;
                return DeliveryResult.delivered();
            } catch (IOException e) {
                closeQuietly();
                log.error("Alert file {} cannot be written: {}", file, e.toString());
                return DeliveryResult.retry(
                        0, Duration.ZERO, "I/O error: " + e.getClass().getSimpleName());
            }
        }
    }

    private FileOutputStream open(int next) throws IOException {
        FileOutputStream stream = out;
        if (stream != null) {
            // one look at the path: whether it is still this stream's file (another process writing the same path, two
            // instances started in one directory, may have rotated it: the stream would go on writing into the renamed
            // file, past its size) and its size with the lines that process appended. Not through the stream's
            // FileChannel, which an interrupted caller would close
            BasicFileAttributes now = attributes();
            if (now == null || openKey == null || !openKey.equals(now.fileKey())) {
                closeQuietly();
                stream = null;
            } else {
                size = now.size();
            }
        }
        if (stream != null && size + next > maxBytes && size > 0) {
            closeQuietly();
            rotate();
            stream = null;
        }
        if (stream == null) {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            size = Files.exists(file) ? Files.size(file) : 0;
            if (size + next > maxBytes && size > 0) {
                rotate();
                size = 0;
            }
            stream = new FileOutputStream(file.toFile(), true);
            out = stream;
            BasicFileAttributes opened = Files.readAttributes(file, BasicFileAttributes.class);
            openKey = opened.fileKey();
            size = opened.size();
        }
        return stream;
    }

    /** The path's attributes now; null when it is gone (renamed by another process). */
    private @Nullable BasicFileAttributes attributes() {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return null;
        }
    }

    private void rotate() throws IOException {
        Files.deleteIfExists(numbered(keep));
        for (int i = keep - 1; i >= 1; i--) {
            if (Files.exists(numbered(i))) {
                Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
    }

    private Path numbered(int index) {
        return file.resolveSibling(file.getFileName() + "." + index);
    }

    private void closeQuietly() {
        FileOutputStream stream = out;
        out = null;
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException ignored) {
                // the next write reopens
            }
        }
    }

    /** Closes the file; a later write reopens it. */
    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
