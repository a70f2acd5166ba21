package dev.ballast.boot.autoconfigure.outbox;

import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.OutboxRelay;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the relay once the context is refreshed (listeners of its events exist) and stops it first on shutdown; with
 * {@code ballast.outbox.relay.enabled} unset, only when the application uses the outbox ({@link OutboxUsage}).
 */
final class OutboxRelayLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelayLifecycle.class);

    private final OutboxRelay relay;
    private final @Nullable Boolean enabled;
    private final OutboxUsage usage;
    private final @Nullable OutboxPublisher publisher;
    private volatile boolean running;

    OutboxRelayLifecycle(
            OutboxRelay relay, @Nullable Boolean enabled, OutboxUsage usage, @Nullable OutboxPublisher publisher) {
        this.relay = relay;
        this.enabled = enabled;
        this.usage = usage;
        this.publisher = publisher;
    }

    @Override
    public void start() {
        if (enabled == null) {
            List<String> users = usage.applicationUsers();
            if (users.isEmpty()) {
                log.info("Outbox relay not started: no bean of the application uses Outbox or TransactionalOutbox"
                        + " (set ballast.outbox.relay.enabled=true to run it anyway)");
                running = true; // nothing to stop; SmartLifecycle must not ask again
                return;
            }
            log.debug("Outbox relay started for {}", users);
        }
        if (publisher instanceof ApplicationEventsPublisher inProcess) {
            inProcess.reportIfUnheard();
        }
        relay.start();
        running = true;
    }

    @Override
    public void stop() {
        relay.close();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
