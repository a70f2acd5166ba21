package dev.ballast.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.test.Eventually;
import dev.ballast.test.LocalDatabase;
import dev.ballast.test.LocalDatabases;
import dev.ballast.testkit.outbox.OutboxContract;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The outbox contract on the machine's PostgreSQL, plus the LISTEN/NOTIFY wake-up. */
class OutboxPostgresIT extends OutboxContract {

    private static final DataSource postgres = LocalDatabases.sharedPostgres();

    /** Another instance of the service: a pool with connections of its own. */
    @RegisterExtension
    static final LocalDatabase secondInstance = LocalDatabase.postgres();

    @Override
    protected DataSource dataSource() {
        return postgres;
    }

    @Override
    protected DataSource secondInstance() {
        return secondInstance;
    }

    @Test
    void aCommitInAnotherInstanceWakesAnIdleRelayThroughNotify() throws Exception {
        OutboxRelay relay = started(relay().pollInterval(Duration.ofSeconds(30)));
        // the first, empty batch is done (the next poll is 30 s away) and the LISTEN connection is up
        Eventually.within(
                Duration.ofSeconds(30),
                "an idle relay listening",
                () -> relay.lastHeartbeat().isPresent() && listening());
        Outbox otherInstance = Outbox.builder(postgres).tablePrefix(prefix).build(); // no relay of its own
        long start = System.nanoTime();
        try (Connection connection = postgres.getConnection()) {
            connection.setAutoCommit(false);
            otherInstance.append(connection, event("r-1", "O-1", "wake up"));
            connection.commit();
        }
        otherInstance.afterCommit();
        Eventually.within(
                Duration.ofSeconds(10),
                "the notified relay publishes",
                () -> recorder.published().size() == 1);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    private boolean listening() {
        try (Connection connection = postgres.getConnection();
                java.sql.PreparedStatement statement = connection.prepareStatement(
                        "SELECT COUNT(*) FROM pg_stat_activity WHERE query = 'LISTEN ' || ?")) {
            statement.setString(1, prefix + "outbox");
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1) > 0;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theRelayCommitsItsOwnTransactionsAsynchronouslyUnlessToldNotTo() throws Exception {
        append(event("r-1", "O-1", "first"));
        List<String> byDefault = relayCommitSettings(relay -> relay);
        append(event("r-2", "O-1", "second"));
        List<String> synchronous = relayCommitSettings(relay -> relay.asynchronousCommit(false));

        assertThat(recorder.bodies()).containsExactly("first", "second");
        assertThat(byDefault).isNotEmpty().containsOnly("off");
        assertThat(synchronous).isNotEmpty().containsOnly("on");
    }

    /**
     * Drains with a relay over a pool that reads, on the relay's connection just before each commit of a transaction,
     * the {@code synchronous_commit} that commit runs with.
     */
    private List<String> relayCommitSettings(java.util.function.UnaryOperator<OutboxRelay.Builder> configure)
            throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        DataSource recording = (DataSource) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    Object result = invoke(method, postgres, args);
                    return method.getName().equals("getConnection")
                            ? recordingCommits((Connection) result, seen)
                            : result;
                });
        Outbox relayView = Outbox.builder(recording).tablePrefix(prefix).build();
        configure
                .apply(relayView.relay(recorder).deadLetterFile(temp.resolve("dlq.jsonl")))
                .build()
                .drain();
        return seen;
    }

    private static Connection recordingCommits(Connection connection, List<String> seen) {
        return (Connection) Proxy.newProxyInstance(
                OutboxPostgresIT.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("commit") && !connection.getAutoCommit()) {
                        try (Statement statement = connection.createStatement();
                                ResultSet row =
                                        statement.executeQuery("SELECT current_setting('synchronous_commit')")) {
                            row.next();
                            seen.add(row.getString(1));
                        }
                    }
                    return invoke(method, connection, args);
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
