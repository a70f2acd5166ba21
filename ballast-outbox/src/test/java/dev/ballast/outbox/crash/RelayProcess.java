package dev.ballast.outbox.crash;

import dev.ballast.outbox.HeadOfLinePolicy;
import dev.ballast.outbox.Outbox;
import dev.ballast.outbox.OutboxPublisher;
import dev.ballast.outbox.OutboxRelay;
import dev.ballast.outbox.PublishResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A relay in its own JVM for {@link RelayCrashIT}: publishing means inserting a row into the log table (auto-commit),
 * so what was published survives the process; the poison event halts the JVM on the spot, like a crash.
 *
 * <p>Arguments: JDBC URL, user, table prefix, log table, poison request id, dead-letter file.
 */
public final class RelayProcess {

    private RelayProcess() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String prefix = args[2];
        String logTable = args[3];
        String poison = args[4];
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(url);
        dataSource.setUser(user);
        long pid = ProcessHandle.current().pid();
        Connection log = DriverManager.getConnection(url, user, "");
        OutboxPublisher publisher = batch -> {
            List<PublishResult> results = new ArrayList<>();
            for (var message : batch) {
                if (message.requestId().equals(poison)) {
                    Runtime.getRuntime().halt(3);
                }
                try (PreparedStatement insert = log.prepareStatement(
                        "INSERT INTO " + logTable + " (event_id, aggregate_id, seq, pid) VALUES (?, ?, ?, ?)")) {
                    insert.setString(1, message.eventId());
                    insert.setString(2, message.aggregateId());
                    insert.setLong(3, message.aggregateSequence());
                    insert.setLong(4, pid);
                    insert.executeUpdate();
                    results.add(PublishResult.published());
                } catch (SQLException e) {
                    results.add(PublishResult.failed(e));
                }
            }
            return results;
        };
        Outbox outbox = Outbox.builder(dataSource).tablePrefix(prefix).build();
        OutboxRelay relay = outbox.relay(publisher)
                .threads(1) // with more, an event in flight beside the poison also loses an attempt per crash
                .batchAggregates(20)
                .maxPerAggregate(10)
                .maxAttempts(3)
                .lease(Duration.ofSeconds(2))
                .pollInterval(Duration.ofMillis(50))
                .headOfLine(HeadOfLinePolicy.SKIP)
                .deadLetterFile(Path.of(args[5]))
                .owner("relay-" + pid)
                .build()
                .start();
        System.out.println("STARTED " + pid);
        System.out.flush();
        // runs until the test kills it; if the test JVM dies first, stdin reaches its end and this process exits too
        while (System.in.read() >= 0) {
            // nothing is sent on stdin
        }
        relay.close();
    }
}
