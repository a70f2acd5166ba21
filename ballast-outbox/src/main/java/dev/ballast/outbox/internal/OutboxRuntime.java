package dev.ballast.outbox.internal;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.outbox.Integrity;
import javax.sql.DataSource;

/**
 * What an outbox and its relays share: the database (its connections bounded by {@code networkTimeout}, see {@link
 * dev.ballast.core.sql.NetworkTimeoutDataSource}) and its tables, the integrity mode, the meters, where alerts go, and the in-JVM wake-ups. Made once by the outbox's builder and handed to every relay it builds, so a relay needs
 * nothing else from the {@code Outbox}. Immutable; every part is thread-safe.
 */
public record OutboxRuntime(
        DataSource dataSource,
        OutboxTables tables,
        Integrity integrity,
        OutboxMeters meters,
        AlertSink alerts,
        Wakeups wakeups,
        java.time.Duration networkTimeout) {}
