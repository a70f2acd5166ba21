package dev.ballast.outbox.kafka.crash;

import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.kafka.KafkaOutboxPublisher;
import java.time.Duration;
import java.util.Map;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A relay publishing to a real Kafka broker, in its own JVM, for {@link KafkaRelayCrashIT} to SIGKILL mid-wave.
 *
 * <p>Arguments: JDBC URL, user, table prefix, bootstrap servers, topic.
 */
public final class KafkaRelayProcess {

    private KafkaRelayProcess() {}

    public static void main(String[] args) throws Exception {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(args[0]);
        dataSource.setUser(args[1]);
        String owner = "relay-" + ProcessHandle.current().pid();
        KafkaOutboxPublisher publisher = KafkaOutboxPublisher.builder(Map.of("bootstrap.servers", args[3]))
                .routes(Map.of("OrderPlaced", args[4]))
                .build();
        Outbox outbox = Outbox.builder(dataSource).tablePrefix(args[2]).build();
        OutboxRelay relay = outbox.relay(publisher)
                .threads(2)
                .batchAggregates(50)
                .maxPerAggregate(20)
                .lease(Duration.ofSeconds(3))
                .pollInterval(Duration.ofMillis(50))
                .listen(false)
                .owner(owner)
                .build()
                .start();
        System.out.println("STARTED " + owner);
        System.out.flush();
        // runs until the test kills it; if the test JVM dies first, stdin reaches its end and this process exits too
        while (System.in.read() >= 0) {
            // nothing is sent on stdin
        }
        relay.close();
        publisher.close();
    }
}
