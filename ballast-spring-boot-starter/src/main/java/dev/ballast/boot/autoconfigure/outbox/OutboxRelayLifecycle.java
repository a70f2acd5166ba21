package dev.ballast.boot.autoconfigure.outbox;

import dev.ballast.boot.outbox.TransactionalOutbox;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxRelay;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the relay once the context is refreshed (listeners of its events exist) and stops it first on shutdown; with
 * {@code ballast.outbox.relay.enabled} unset, only when the application uses the outbox: a bean of the application
 * injects {@link Outbox} or {@link TransactionalOutbox}, or the application defines its own {@code Outbox}.
 */
final class OutboxRelayLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelayLifecycle.class);
    private static final String BALLAST_CONFIGURATION = "dev.ballast.boot.autoconfigure.";

    private final OutboxRelay relay;
    private final @Nullable Boolean enabled;
    private final ConfigurableListableBeanFactory beans;
    private volatile boolean running;

    OutboxRelayLifecycle(OutboxRelay relay, @Nullable Boolean enabled, ConfigurableListableBeanFactory beans) {
        this.relay = relay;
        this.enabled = enabled;
        this.beans = beans;
    }

    @Override
    public void start() {
        if (enabled == null) {
            List<String> users = applicationUsers();
            if (users.isEmpty()) {
                log.info("Outbox relay not started: no bean of the application uses Outbox or TransactionalOutbox"
                        + " (set ballast.outbox.relay.enabled=true to run it anyway)");
                running = true; // nothing to stop; SmartLifecycle must not ask again
                return;
            }
            log.debug("Outbox relay started for {}", users);
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

    /** Beans outside Ballast's auto-configuration that inject the outbox, or an Outbox the application defined. */
    List<String> applicationUsers() {
        List<String> users = new ArrayList<>();
        for (Class<?> type : List.of(Outbox.class, TransactionalOutbox.class)) {
            for (String name : beans.getBeanNamesForType(type, true, false)) {
                if (!isBallasts(name)) {
                    users.add(name);
                }
                for (String dependent : beans.getDependentBeans(name)) {
                    if (!isBallasts(dependent)) {
                        users.add(dependent);
                    }
                }
            }
        }
        return users;
    }

    private boolean isBallasts(String name) {
        if (name.startsWith(BALLAST_CONFIGURATION)) {
            return true;
        }
        try {
            BeanDefinition definition = beans.getMergedBeanDefinition(name);
            String factory = definition.getFactoryBeanName();
            return factory != null && factory.startsWith(BALLAST_CONFIGURATION);
        } catch (NoSuchBeanDefinitionException e) {
            return false;
        }
    }
}
