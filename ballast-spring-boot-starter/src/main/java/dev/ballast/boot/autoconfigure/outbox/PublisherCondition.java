package dev.ballast.boot.autoconfigure.outbox;

import dev.ballast.boot.internal.diagnostics.InvalidBallastPropertyException;
import java.util.Locale;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.ClassUtils;

/** Which outbox publisher {@code ballast.outbox.publisher} selects, or the properties imply when it is not set. */
abstract class PublisherCondition extends SpringBootCondition {

    static final String PROPERTY = "ballast.outbox.publisher";

    private final String wanted;

    PublisherCondition(String wanted) {
        this.wanted = wanted;
    }

    /** {@code in-process}, {@code kafka} or {@code rabbitmq}; fails naming the property on anything else. */
    static String selected(Environment environment) {
        String configured = environment.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            String value = configured.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            return switch (value) {
                case "in-process", "inprocess" -> "in-process";
                case "kafka" -> "kafka";
                case "rabbitmq", "rabbit" -> "rabbitmq";
                default ->
                    throw InvalidBallastPropertyException.invalid(
                            PROPERTY, configured, "must be in-process, kafka or rabbitmq");
            };
        }
        ClassLoader loader = PublisherCondition.class.getClassLoader();
        boolean kafka = environment.containsProperty("spring.kafka.bootstrap-servers")
                && ClassUtils.isPresent("dev.ballast.outbox.kafka.KafkaOutboxPublisher", loader);
        boolean rabbit = (environment.containsProperty("spring.rabbitmq.host")
                        || environment.containsProperty("spring.rabbitmq.addresses"))
                && ClassUtils.isPresent("dev.ballast.outbox.rabbitmq.RabbitOutboxPublisher", loader);
        if (kafka && rabbit) {
            throw InvalidBallastPropertyException.missing(
                    PROPERTY,
                    "unset",
                    "must be set to kafka or rabbitmq when both spring.kafka.bootstrap-servers and spring.rabbitmq.host"
                            + " (or spring.rabbitmq.addresses) are set",
                    "Set " + PROPERTY + "=kafka or " + PROPERTY + "=rabbitmq to choose where the outbox publishes.");
        }
        return kafka ? "kafka" : rabbit ? "rabbitmq" : "in-process";
    }

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String selected = selected(context.getEnvironment());
        return selected.equals(wanted)
                ? ConditionOutcome.match("outbox publisher " + selected)
                : ConditionOutcome.noMatch("outbox publisher " + selected + ", not " + wanted);
    }

    static final class Kafka extends PublisherCondition {
        Kafka() {
            super("kafka");
        }
    }

    static final class Rabbit extends PublisherCondition {
        Rabbit() {
            super("rabbitmq");
        }
    }
}
