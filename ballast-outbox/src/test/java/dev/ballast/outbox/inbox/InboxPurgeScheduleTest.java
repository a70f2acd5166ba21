package dev.ballast.outbox.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.ballast.test.Eventually;
import dev.ballast.test.LogCapture;
import dev.ballast.test.MutableClock;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The purge schedule paces its failure log on the clock it is given: one WARN at the first failure, DEBUG while the
 * same failure repeats within 5 minutes of that clock, a WARN reminder with the count once 5 minutes have passed on
 * it, and an INFO line with the clock's duration of the outage when a purge works again. The schedule runs once at
 * start (interval one day, so no second scheduled run interferes); the test runs the next purges itself.
 */
class InboxPurgeScheduleTest {

    private static final Instant START = Instant.parse("2026-12-01T08:00:00Z");

    @RegisterExtension
    final LogCapture logs = LogCapture.of(InboxPurgeSchedule.class);

    @Test
    void failuresAreRemindedAndTheRecoveryTimedOnTheInjectedClock() throws SQLException {
        JdbcDataSource database = new JdbcDataSource();
        database.setURL("jdbc:h2:mem:inbox-purge-schedule-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        Inbox inbox = Inbox.builder(database, "settlement").createSchema(true).build();
        execute(database, "ALTER TABLE ballast_inbox RENAME TO ballast_inbox_away");
        MutableClock clock = new MutableClock(START);

        try (InboxPurgeSchedule schedule = InboxPurgeSchedule.start(List.of(inbox), Duration.ofDays(1), clock)) {
            Eventually.within(Duration.ofSeconds(10), "the first scheduled purge failed", () -> !warnings()
                    .isEmpty());
            schedule.runOnce();
            clock.advance(Duration.ofMinutes(4));
            schedule.runOnce();
            assertThat(warnings())
                    .as("within 5 minutes on the clock, the repeated failure is not warned about again")
                    .hasSize(1);

            clock.advance(Duration.ofMinutes(1));
            schedule.runOnce();
            assertThat(warnings()).hasSize(2);
            assertThat(warnings().get(1))
                    .contains("Inbox purge of consumer settlement still failing: 4 failed attempts in a row")
                    .contains("(3 since the last warning)");

            execute(database, "ALTER TABLE ballast_inbox_away RENAME TO ballast_inbox");
            clock.advance(Duration.ofMinutes(1));
            schedule.runOnce();
        }
        assertThat(logs.events().stream()
                        .filter(event -> event.getLevel() == Level.INFO)
                        .map(ILoggingEvent::getFormattedMessage))
                .containsExactly("Inbox purge of consumer settlement works again after 4 failed attempts over PT6M");
    }

    private List<String> warnings() {
        return logs.eventsAtLeast(Level.WARN).stream()
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private static void execute(JdbcDataSource database, String sql) throws SQLException {
        try (Connection connection = database.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
