package dev.ballast.boot.autoconfigure.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.ballast.outbox.inbox.Inbox;
import dev.ballast.outbox.inbox.InboxPurgeSchedule;
import dev.ballast.test.Eventually;
import dev.ballast.test.LogCapture;
import dev.ballast.test.MutableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The starter purges the inbox on a schedule of its own, from the context's start to its close. */
class InboxPurgeLifecycleTest {

    private static final Instant START = Instant.parse("2026-11-30T08:00:00Z");

    @RegisterExtension
    final LogCapture logs = LogCapture.of(InboxPurgeSchedule.class);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    BallastOutboxDeliveryAutoConfiguration.class, BallastOutboxAutoConfiguration.class))
            .withUserConfiguration(ClockedInbox.class)
            .withPropertyValues(
                    "ballast.outbox.relay.enabled=false",
                    "ballast.outbox.inbox.consumer=settlement",
                    "ballast.outbox.inbox.purge-interval=1s");

    @Test
    void theStarterPurgesRowsPastTheRetentionOnItsScheduleAndKeepsTheRestUntilTheContextCloses() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(InboxPurgeLifecycle.class);
            assertThat(context.getBean(InboxPurgeLifecycle.class).isRunning()).isTrue();
            DataSource dataSource = context.getBean(DataSource.class);
            MutableClock clock = context.getBean(MutableClock.class);
            record(dataSource, "old", START);
            record(dataSource, "recent", START.plus(Duration.ofDays(10)));
            clock.advance(Duration.ofDays(15)); // "old" is past the 14 days, "recent" within them

            Eventually.within(Duration.ofSeconds(10), "the scheduled purge deleted the old row", () -> rows(dataSource)
                    .equals("recent"));
            context.close();
            assertThat(purgeThreadAlive())
                    .as("the schedule stopped with the context")
                    .isFalse();
        });
    }

    @Test
    void aFailingPurgeIsLoggedAndTriedAgainAtTheNextRunWithoutStoppingTheSchedule() {
        runner.run(context -> {
            DataSource dataSource = context.getBean(DataSource.class);
            MutableClock clock = context.getBean(MutableClock.class);
            execute(dataSource, "ALTER TABLE ballast_inbox RENAME TO ballast_inbox_away");
            Eventually.within(
                    Duration.ofSeconds(10), "the failed purge is logged", () -> logs.eventsAtLeast(Level.WARN).stream()
                            .anyMatch(event ->
                                    event.getFormattedMessage().contains("Inbox purge of consumer settlement failed")));
            execute(dataSource, "ALTER TABLE ballast_inbox_away RENAME TO ballast_inbox");
            record(dataSource, "old", START);
            clock.advance(Duration.ofDays(15));

            Eventually.within(Duration.ofSeconds(10), "a later run purged the old row", () -> rows(dataSource)
                    .isEmpty());
            assertThat(context).hasNotFailed();
        });
    }

    @Test
    void aPurgeIntervalOutOfRangeFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("ballast.outbox.inbox.purge-interval=2d").run(context -> assertThat(context)
                .getFailure()
                .hasStackTraceContaining("ballast.outbox.inbox.purge-interval"));
    }

    private static boolean purgeThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.getName().equals("ballast-inbox-purge") && thread.isAlive());
    }

    private static void record(DataSource dataSource, String eventId, Instant receivedAt) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement("INSERT INTO ballast_inbox (consumer,"
                        + " event_id, aggregate_type, aggregate_id, aggregate_seq, event_type, received_at) VALUES"
                        + " ('settlement', ?, 'Order', ?, 1, 'OrderPlaced', ?)")) {
            insert.setString(1, eventId);
            insert.setString(2, "O-" + eventId);
            insert.setTimestamp(3, Timestamp.from(receivedAt));
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void execute(DataSource dataSource, String sql) {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The event ids left in the inbox, comma-separated in order; "" when none or the table is away. */
    private static String rows(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT event_id FROM ballast_inbox ORDER BY event_id")) {
            StringBuilder ids = new StringBuilder();
            while (rows.next()) {
                ids.append(ids.isEmpty() ? "" : ",").append(rows.getString(1));
            }
            return ids.toString();
        } catch (SQLException e) {
            return "";
        }
    }

    /** The application's own inbox on a clock the test moves; the starter's schedule purges it. */
    @Configuration(proxyBeanMethods = false)
    static class ClockedInbox {
        @Bean
        DataSource dataSource() {
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL("jdbc:h2:mem:inbox-purge-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
            return h2;
        }

        @Bean
        MutableClock clock() {
            return new MutableClock(START);
        }

        @Bean
        Inbox inbox(DataSource dataSource, MutableClock clock) {
            return Inbox.builder(dataSource, "settlement")
                    .createSchema(true)
                    .clock(clock)
                    .retention(Duration.ofDays(14))
                    .build();
        }
    }
}
