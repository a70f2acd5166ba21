package dev.ballast.boot.autoconfigure.outbox;

import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.PublishResult;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.context.event.GenericApplicationListenerAdapter;
import org.springframework.context.support.AbstractApplicationContext;
import org.springframework.core.ResolvableType;

/**
 * The starter's in-process publisher: each message becomes a Spring application event. The hand-over is the publish,
 * so an event nobody listens for is marked published and goes nowhere; once the context is refreshed (every listener
 * registered), a context in which no listener takes {@link OutboxMessage} gets a WARN saying so, and what to do.
 */
final class ApplicationEventsPublisher implements OutboxPublisher, ApplicationListener<ContextRefreshedEvent> {

    static final Logger log = LoggerFactory.getLogger(ApplicationEventsPublisher.class);

    private static final ResolvableType MESSAGE_EVENT =
            ResolvableType.forClassWithGenerics(PayloadApplicationEvent.class, OutboxMessage.class);

    private final ApplicationContext context;
    private final OutboxPublisher delegate;
    private volatile boolean checked;

    ApplicationEventsPublisher(ApplicationContext context) {
        this.context = context;
        this.delegate = OutboxPublisher.inProcess(context::publishEvent);
    }

    @Override
    public List<PublishResult> publish(List<OutboxMessage> batch) {
        return delegate.publish(batch);
    }

    @Override
    public void onApplicationEvent(ContextRefreshedEvent event) {
        if (event.getApplicationContext() != context || checked) {
            return;
        }
        checked = true;
        if (!anyListenerTakesMessages(context)) {
            log.warn(
                    "Outbox events will go nowhere: the in-process publisher (ballast.outbox.publisher=in-process, the"
                            + " default without a broker) hands each event to Spring's application events, and no listener in"
                            + " this context takes {}, so each event the relay publishes is marked PUBLISHED and dropped. Add"
                            + " an @EventListener method taking OutboxMessage, select a broker (ballast.outbox.publisher=kafka"
                            + " or rabbitmq), or define an OutboxPublisher bean",
                    OutboxMessage.class.getName());
        }
    }

    /** True if a listener of {@code context} or of a parent (events go up to the parents) accepts an outbox message. */
    static boolean anyListenerTakesMessages(ApplicationContext context) {
        for (ApplicationContext each = context; each != null; each = each.getParent()) {
            List<ApplicationListener<?>> listeners = new ArrayList<>();
            if (each instanceof AbstractApplicationContext registered) {
                listeners.addAll(registered.getApplicationListeners()); // @EventListener methods, added ones
            }
            for (Object bean :
                    each.getBeansOfType(ApplicationListener.class, false, false).values()) {
                listeners.add((ApplicationListener<?>) bean);
            }
            for (ApplicationListener<?> listener : listeners) {
                GenericApplicationListener generic = listener instanceof GenericApplicationListener typed
                        ? typed
                        : new GenericApplicationListenerAdapter(listener);
                if (generic.supportsEventType(MESSAGE_EVENT)) {
                    return true;
                }
            }
        }
        return false;
    }
}
