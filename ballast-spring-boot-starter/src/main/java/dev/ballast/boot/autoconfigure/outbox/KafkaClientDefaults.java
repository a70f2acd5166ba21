package dev.ballast.boot.autoconfigure.outbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Two defaults, at the lowest precedence, for an application with Ballast's Kafka publisher on the class path, so that a
 * Kafka that is down costs a bounded log:
 *
 * <ul>
 *   <li>{@code spring.kafka.admin.properties[metadata.recovery.strategy]=none}: Spring's {@code KafkaAdmin} (topics
 *       from {@code NewTopic} beans) makes a short-lived admin client per operation. With Kafka's default ({@code
 *       rebootstrap}) such a client, while no broker answers, goes back to its bootstrap list on every turn of its
 *       loop and logs an INFO line each time: measured on the example with the broker's port closed, 96,813 lines
 *       (50 MB) in the 40 s its start-up waited for the topic, and the loop spins a core meanwhile. A fresh client
 *       per operation starts from the bootstrap list anyway, so re-bootstrapping gains it nothing.
 *   <li>{@code logging.level.org.apache.kafka.clients.Metadata=warn}: the producer's and consumers' INFO
 *       "Rebootstrapping with ..." (about five a second per client while the broker is down); their WARN "Connection
 *       to node ... could not be established" (about one a second) stays, and so does every WARN and ERROR.
 * </ul>
 *
 * A value the application sets wins: no admin default when it sets {@code metadata.recovery.strategy} for the admin
 * client, no level when it sets one for that logger or an ancestor ({@code org.apache.kafka}, ...). Registered in
 * {@code META-INF/spring.factories}.
 */
final class KafkaClientDefaults implements EnvironmentPostProcessor {

    static final String SOURCE = "ballastKafkaDefaults";

    static final String ADMIN_PROPERTIES = "spring.kafka.admin.properties";
    static final String RECOVERY = "metadata.recovery.strategy";
    static final String METADATA_LEVEL = "logging.level.org.apache.kafka.clients.Metadata";

    private static final List<String> ANCESTORS = List.of(
            "logging.level.org",
            "logging.level.org.apache",
            "logging.level.org.apache.kafka",
            "logging.level.org.apache.kafka.clients",
            METADATA_LEVEL);

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!ClassUtils.isPresent(
                        "dev.ballast.outbox.kafka.KafkaOutboxPublisher", KafkaClientDefaults.class.getClassLoader())
                || environment.getPropertySources().contains(SOURCE)) {
            return;
        }
        Map<String, Object> defaults = new LinkedHashMap<>();
        Map<String, String> admin = Binder.get(environment)
                .bind(ADMIN_PROPERTIES, Bindable.mapOf(String.class, String.class))
                .orElse(Map.of());
        if (!admin.containsKey(RECOVERY)) {
            defaults.put(ADMIN_PROPERTIES + "[" + RECOVERY + "]", "none");
        }
        if (ANCESTORS.stream().noneMatch(environment::containsProperty)) {
            defaults.put(METADATA_LEVEL, "warn");
        }
        if (!defaults.isEmpty()) {
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE, defaults));
        }
    }
}
