package dev.ballast.alert.internal;

import dev.ballast.core.alert.Alert;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every alert the router receives, before silences, deduplication, grouping or throttling, as one JSON line in a file
 * (appended): {@code at} (the router's clock when {@code send} took it), {@code severity}, {@code fingerprint},
 * {@code title}, {@code labels} and {@code raisedAt} (the alert's own timestamp). Detail, task and actions are not
 * written: they may carry payload data and signed links. For replaying what a run raised (docs/alerting.md).
 *
 * <p>{@link #record} only offers to a bounded queue; a writer thread of its own serialises and writes, flushing when
 * the queue is empty. When the queue is full, or the file cannot be written, alerts are not recorded and are counted
 * ({@code ballast.alert.recorder.dropped}); routing is never affected. Thread-safe.
 */
public final class RawAlertRecorder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RawAlertRecorder.class);

    /** Version of the line format. */
    public static final int VERSION = 1;

    private record Entry(Instant at, Alert alert) {}

    private final Path file;
    private final ArrayBlockingQueue<Entry> queue;
    private final Counter dropped;
    private final BufferedWriter out;
    private final Thread writer;
    private volatile boolean running = true;
    private boolean failed;

    /**
     * Opens {@code file} for appending (creating its directory) and starts the writer thread.
     *
     * @throws UncheckedIOException when the file cannot be opened
     */
    public RawAlertRecorder(Path file, int capacity, MeterRegistry registry) {
        this.file = Objects.requireNonNull(file, "file");
        if (capacity < 1) {
            throw new IllegalArgumentException("Raw alert recorder capacity must be positive, was " + capacity);
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.dropped = Counter.builder("ballast.alert.recorder.dropped")
                .description("Raw alerts the recorder could not write (queue full or file unwritable)")
                .register(registry);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            // a stream, not a FileChannel: a FileChannel closes itself when its thread is interrupted
            this.out = new BufferedWriter(
                    new OutputStreamWriter(new FileOutputStream(file.toFile(), true), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Raw alert file " + file + " cannot be opened: " + e, e);
        }
        this.writer =
                Thread.ofPlatform().daemon().name("ballast-alert-recorder").start(this::run);
    }

    /** The file written to. */
    public Path path() {
        return file;
    }

    /** Queues {@code alert}, received at {@code at}, for writing; never blocks. */
    public void record(Alert alert, Instant at) {
        if (!running || !queue.offer(new Entry(at, alert))) {
            dropped.increment();
        }
    }

    /** Stops taking alerts, writes what is queued (waiting at most 5 s) and closes the file. */
    @Override
    public void close() {
        running = false;
        try {
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (running) {
                try {
                    Entry entry = queue.poll(250, TimeUnit.MILLISECONDS);
                    if (entry != null) {
                        write(entry);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            Entry entry;
            while ((entry = queue.poll()) != null) {
                write(entry);
            }
        } finally {
            try {
                out.close();
            } catch (IOException e) {
                log.warn("Raw alert file {} could not be closed: {}", file, e.toString());
            }
        }
    }

    private void write(Entry entry) {
        if (failed) {
            dropped.increment();
            return;
        }
        try {
            out.write(Json.MAPPER.writeValueAsString(line(entry.at(), entry.alert())));
            out.write('\n');
            if (queue.isEmpty()) {
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            failed = true;
            dropped.increment();
            log.error("Raw alert file {} cannot be written, recording stops: {}", file, e.toString());
        }
    }

    /** The line of {@code alert} received at {@code at}. */
    static ObjectNode line(Instant at, Alert alert) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("v", VERSION);
        line.put("at", at.toString());
        line.put("severity", alert.severity().name());
        line.put("fingerprint", alert.fingerprint());
        line.put("title", alert.title());
        ObjectNode labels = line.putObject("labels");
        alert.labels().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(label -> labels.put(label.getKey(), label.getValue()));
        line.put("raisedAt", alert.timestamp().toString());
        return line;
    }
}
