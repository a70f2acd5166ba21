package dev.ballast.boot.autoconfigure.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lock.ManualLockClock;
import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.local.LocalLockStrategies;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * Found by a black-box check: while the database behind the resilient chain's mode row did not answer, no lock could be
 * granted, yet the lock's health stayed UP ("mode primary, breaker closed") and {@code /actuator/locks} showed the same
 * normal-looking view. Both now say the authority is unreachable, why, and that nothing is granted until it answers;
 * and go back once it does. Time is a manual clock: the mode is re-read every refresh interval when the test says.
 */
class ResilientLockHealthTest {

    private static final Duration REFRESH = Duration.ofMillis(100);

    private final ManualLockClock clock = new ManualLockClock();
    private volatile boolean databaseDown;

    @Test
    void whileTheLockModeAuthorityDoesNotAnswerHealthIsDownAndTheLocksEndpointSaysWhyUntilItAnswers() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:resilient-health-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        DataSource authority = switchable(h2);
        try (ResilientLockStrategy locks = ResilientLockStrategy.builder(
                        LocalLockStrategies.builder().clock(clock).build(),
                        JdbcLockStrategies.builder(h2, "ballast_", true)
                                .clock(clock)
                                .build(),
                        authority)
                .createTable(true)
                .refreshInterval(REFRESH)
                .instanceName("inst-A")
                .clock(clock)
                .build()) {
            LocksEndpoint endpoint = new LocksEndpoint(locks, new HeldLocks(Clock.systemUTC()));
            clock.advance(REFRESH); // a reading of the mode
            assertThat(health(locks).getStatus()).isEqualTo(Status.UP);
            assertThat(endpoint.locks()).doesNotContainKey("authority");

            databaseDown = true;
            clock.advance(REFRESH.multipliedBy(3)); // no reading for longer than two refresh intervals

            Health down = health(locks);
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails())
                    .containsEntry("authority", "unreachable")
                    .containsEntry("mode", "primary")
                    .containsKey("next");
            assertThat((String) down.getDetails().get("error"))
                    .contains("has not answered for more than 200 ms")
                    .contains("SQLTransientConnectionException: mode database unreachable (test fault)");
            Map<String, Object> body = endpoint.locks();
            assertThat(body).containsEntry("authority", "unreachable");
            assertThat((String) body.get("authorityError")).contains("mode database unreachable (test fault)");

            databaseDown = false;
            clock.advance(REFRESH); // the next refresh reads the mode row again

            assertThat(health(locks).getStatus()).isEqualTo(Status.UP);
            assertThat(endpoint.locks()).doesNotContainKey("authority");
        }
    }

    private static Health health(ResilientLockStrategy locks) {
        Health health = BallastHealth.lock(locks, null).health();
        assertThat(health).isNotNull();
        return health;
    }

    /** {@code target}, whose connections are refused while {@link #databaseDown} is set. */
    private DataSource switchable(DataSource target) {
        return (DataSource) Proxy.newProxyInstance(
                DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection") && databaseDown) {
                        throw new SQLTransientConnectionException("mode database unreachable (test fault)");
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
