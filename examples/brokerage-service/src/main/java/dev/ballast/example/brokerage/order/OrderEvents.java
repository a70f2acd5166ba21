package dev.ballast.example.brokerage.order;

import dev.ballast.outbox.OutboxMessage;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Stands in for a downstream consumer: receives the outbox's messages (the embedded in-process publisher delivers them
 * as application events) and counts them in {@code brokerage.outbox.received{type}}. {@code
 * brokerage.outbox.consumer-delay} (default 0) makes each delivery take that long, as a slow broker would: the relay
 * then holds its leases for a while, which the shutdown test needs.
 */
@Component
class OrderEvents {

    private final MeterRegistry registry;
    private final Duration delay;

    OrderEvents(MeterRegistry registry, @Value("${brokerage.outbox.consumer-delay:0ms}") Duration delay) {
        this.registry = registry;
        this.delay = delay;
    }

    @EventListener
    void on(OutboxMessage message) {
        if (delay.isPositive()) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // as a broker client does: the relay sees the interrupt
                throw new IllegalStateException("Delivery of " + message.eventId() + " interrupted", e);
            }
        }
        registry.counter("brokerage.outbox.received", "type", message.eventType())
                .increment();
    }
}
