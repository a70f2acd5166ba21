package dev.ballast.example.brokerage.settlement;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Creates the orders topic, also when Kafka is down while the service starts. Spring's {@code KafkaAdmin} creates
 * {@code NewTopic} beans once, at start-up, and waits for a broker meanwhile (30 s, then 10 s more to close its client);
 * when none answers, the topic is never created (a production broker does not create topics on first use), and every
 * order placed then waits in the outbox for a topic that never comes. Here the first try is bounded to a few seconds;
 * if no broker answers, start-up goes on (orders are taken and kept in the outbox), one WARN line says so, and the
 * topic is tried again every {@code retry} until a broker answers: then it is created, the relay delivers the waiting
 * events and the listener gets them. {@code spring.kafka.admin.auto-create=false} leaves the topic to this class.
 *
 * <p>Started before the listener containers and the outbox relay; thread-safe.
 */
final class OrdersTopic implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OrdersTopic.class);

    /** Before Spring Kafka's listener containers (Integer.MAX_VALUE - 100) and Ballast's relay. */
    static final int PHASE = Integer.MAX_VALUE - 2048;

    private final NewTopic topic;
    private final Map<String, Object> settings;
    private final Duration attempt;
    private final Duration retry;
    private final Object bootstrapServers;
    private @Nullable ScheduledExecutorService retries;
    private @Nullable ScheduledFuture<?> retrying;
    private volatile boolean running;
    private volatile boolean created;
    private volatile String lastFailure = "";

    OrdersTopic(NewTopic topic, KafkaAdmin admin, Duration attempt, Duration retry) {
        this.topic = topic;
        this.attempt = attempt;
        this.retry = retry;
        this.settings = new HashMap<>(admin.getConfigurationProperties());
        int millis = (int) attempt.toMillis();
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        settings.put(AdminClientConfig.METADATA_RECOVERY_STRATEGY_CONFIG, "none");
        this.bootstrapServers = settings.getOrDefault(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "?");
    }

    @Override
    public synchronized void start() {
        running = true;
        if (tryCreate()) {
            return;
        }
        log.warn(
                "Kafka topic {} could not be created at {} ({}): tried again every {} ms; orders are taken and wait"
                        + " in the outbox meanwhile",
                topic.name(),
                bootstrapServers,
                lastFailure,
                retry.toMillis());
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "orders-topic");
            thread.setDaemon(true);
            return thread;
        });
        retrying = executor.scheduleWithFixedDelay(
                () -> {
                    if (tryCreate()) {
                        log.info("Kafka answers at {}: topic {} is there", bootstrapServers, topic.name());
                        executor.shutdown();
                    }
                },
                retry.toMillis(),
                retry.toMillis(),
                TimeUnit.MILLISECONDS);
        retries = executor;
    }

    /** True once the topic exists (created here or before). */
    boolean created() {
        return created;
    }

    private boolean tryCreate() {
        Admin admin;
        try {
            admin = Admin.create(settings);
        } catch (RuntimeException e) {
            lastFailure = e.toString();
            return false;
        }
        try {
            admin.createTopics(List.of(topic)).all().get(attempt.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                lastFailure = String.valueOf(e.getCause());
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            lastFailure = e.toString();
            return false;
        } finally {
            admin.close(Duration.ZERO);
        }
        created = true;
        return true;
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (retrying != null) {
            retrying.cancel(false);
        }
        if (retries != null) {
            retries.shutdownNow();
            retries = null;
            retrying = null;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
