package dev.ballast.outbox.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells relays that events were committed: relays of this outbox in this JVM directly, relays elsewhere through one
 * PostgreSQL {@code NOTIFY} sent outside the business transaction (a NOTIFY inside it would serialise every append's
 * commit on PostgreSQL's notification lock). Requests that arrive while a NOTIFY is on its way are merged into the
 * next one. Only a hint: relays poll anyway. Thread-safe.
 */
public final class Wakeups {

    private static final Logger log = LoggerFactory.getLogger(Wakeups.class);

    private final List<Runnable> local = new CopyOnWriteArrayList<>();
    private final @Nullable DataSource postgres;
    private final String channel;
    private final Semaphore requests = new Semaphore(0);
    private volatile @Nullable Thread notifier;

    public Wakeups(DataSource dataSource, OutboxTables tables) {
        this.postgres = tables.isPostgres() ? dataSource : null;
        this.channel = tables.channel();
    }

    /** Registers a relay's wake-up; returns a handle that removes it. */
    public Runnable register(Runnable wake) {
        local.add(wake);
        return () -> local.remove(wake);
    }

    /** Events were committed. */
    public void committed() {
        local.forEach(Runnable::run);
        if (postgres != null) {
            startNotifier();
            requests.release();
        }
    }

    private void startNotifier() {
        if (notifier == null) {
            synchronized (this) {
                if (notifier == null) {
                    notifier = Thread.ofPlatform()
                            .daemon()
                            .name("ballast-outbox-notify")
                            .start(this::notifyLoop);
                }
            }
        }
    }

    private void notifyLoop() {
        DataSource postgres = Objects.requireNonNull(this.postgres, "the notifier runs on PostgreSQL only");
        while (!Thread.currentThread().isInterrupted()) {
            try (Connection connection = postgres.getConnection();
                    PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, '')")) {
                connection.setAutoCommit(true);
                notify.setString(1, channel);
                while (true) {
                    requests.acquire();
                    requests.drainPermits(); // everything requested so far is covered by this one
                    notify.execute();
                }
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                log.debug("Outbox NOTIFY failed, relays fall back to polling until it works: {}", e.toString());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }
}
