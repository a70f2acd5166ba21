package dev.ballast.boot.autoconfigure.outbox;

import dev.ballast.boot.outbox.TransactionalOutbox;
import dev.ballast.outbox.Outbox;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/**
 * Whether the application uses the outbox: {@code ballast.outbox.relay.enabled=true}, or a bean of the application
 * injects {@link Outbox} or {@link TransactionalOutbox}, or the application defines its own {@code Outbox}. An
 * application that only has the starter on its classpath does not: its relay does not run, its health does not depend
 * on the outbox tables, and it starts without them. Read after the singletons are created. Thread-safe.
 */
public final class OutboxUsage {

    private static final String BALLAST_CONFIGURATION = "dev.ballast.boot.autoconfigure.";

    private final @Nullable Boolean relayEnabled;
    private final ConfigurableListableBeanFactory beans;

    OutboxUsage(@Nullable Boolean relayEnabled, ConfigurableListableBeanFactory beans) {
        this.relayEnabled = relayEnabled;
        this.beans = beans;
    }

    /** Whether the application appends to the outbox or asked for its relay. */
    public boolean inUse() {
        return Boolean.TRUE.equals(relayEnabled) || !applicationUsers().isEmpty();
    }

    /** Why the outbox counts as used, as a sentence for a start-up error or a health detail. */
    public String why() {
        List<String> users = applicationUsers();
        if (!users.isEmpty()) {
            return "The application uses the outbox (bean" + (users.size() == 1 ? " " : "s ") + String.join(", ", users)
                    + ")";
        }
        return Boolean.TRUE.equals(relayEnabled)
                ? "ballast.outbox.relay.enabled=true runs the outbox relay"
                : "The application does not use the outbox";
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
                    if (!isBallasts(dependent) && !users.contains(dependent)) {
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
