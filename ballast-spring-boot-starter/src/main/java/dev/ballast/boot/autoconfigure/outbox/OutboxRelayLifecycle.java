package dev.ballast.boot.autoconfigure.outbox;

import dev.ballast.outbox.OutboxRelay;
import org.springframework.context.SmartLifecycle;

/** Starts the relay once the context is refreshed (listeners of its events exist) and stops it first on shutdown. */
final class OutboxRelayLifecycle implements SmartLifecycle {

    private final OutboxRelay relay;
    private volatile boolean running;

    OutboxRelayLifecycle(OutboxRelay relay) {
        this.relay = relay;
    }

    @Override
    public void start() {
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
