package dev.ballast.example.brokerage.order;

import dev.ballast.outbox.OutboxMessage;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Stands in for a downstream consumer: receives the outbox's messages (the embedded in-process publisher delivers them
 * as application events) and counts them in {@code brokerage.outbox.received{type}}.
 */
@Component
class OrderEvents {

    private final MeterRegistry registry;

    OrderEvents(MeterRegistry registry) {
        this.registry = registry;
    }

    @EventListener
    void on(OutboxMessage message) {
        registry.counter("brokerage.outbox.received", "type", message.eventType())
                .increment();
    }
}
