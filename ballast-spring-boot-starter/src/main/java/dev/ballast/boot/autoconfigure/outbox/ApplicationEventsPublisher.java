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
import org.springframework.context.event.ApplicationListenerMethodAdapter;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.context.event.GenericApplicationListenerAdapter;
import org.springframework.context.support.AbstractApplicationContext;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.transaction.event.TransactionalApplicationListener;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * The starter's in-process publisher: each message becomes a Spring application event. The hand-over is the publish,
 * so an event nobody listens for is marked published and goes nowhere: when the relay starts in this instance, a context
 * in which no listener will be called for {@link OutboxMessage} gets a WARN saying so, and what to do.
 */
final class ApplicationEventsPublisher implements OutboxPublisher {

    private static final Logger log = LoggerFactory.getLogger(ApplicationEventsPublisher.class);

    private static final ResolvableType MESSAGE_EVENT =
            ResolvableType.forClassWithGenerics(PayloadApplicationEvent.class, OutboxMessage.class);

    private final ApplicationContext context;
    private final OutboxPublisher delegate;

    ApplicationEventsPublisher(ApplicationContext context) {
        this.context = context;
        this.delegate = OutboxPublisher.inProcess(context::publishEvent);
    }

    @Override
    public List<PublishResult> publish(List<OutboxMessage> batch) {
        return delegate.publish(batch);
    }

    /** Logs the WARN if no listener will be called for the messages; the relay's start-up calls it (listeners exist). */
    void reportIfUnheard() {
        if (!anyListenerTakesMessages(context)) {
            log.warn(
                    "Outbox events will go nowhere: the in-process publisher (ballast.outbox.publisher=in-process, the"
                            + " default without a broker) hands each event to Spring's application events, and no listener in"
                            + " this context takes {} outside a transaction (the relay publishes outside one: a"
                            + " @TransactionalEventListener is called only with fallbackExecution = true), so each event the"
                            + " relay publishes is marked PUBLISHED and dropped. Add an @EventListener method taking"
                            + " OutboxMessage, select a broker (ballast.outbox.publisher=kafka or rabbitmq), or define an"
                            + " OutboxPublisher bean",
                    OutboxMessage.class.getName());
        }
    }

    /**
     * True if a listener of {@code context} or of a parent (events go up to the parents) accepts an outbox message
     * published outside a transaction, as the relay publishes.
     */
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
                if (generic.supportsEventType(MESSAGE_EVENT) && calledOutsideTransactions(listener)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Spring skips a transactional listener for an event published outside a transaction, unless told otherwise. */
    private static boolean calledOutsideTransactions(ApplicationListener<?> listener) {
        if (!(listener instanceof TransactionalApplicationListener<?>)) {
            return true;
        }
        if (listener instanceof ApplicationListenerMethodAdapter method) {
            TransactionalEventListener annotation = AnnotatedElementUtils.findMergedAnnotation(
                    method.getTargetMethod(), TransactionalEventListener.class);
            return annotation != null && annotation.fallbackExecution();
        }
        return false;
    }
}
