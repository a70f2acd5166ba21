package dev.ballast.boot.autoconfigure.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lock.jdbc.JdbcLockStrategies;
import dev.ballast.lock.local.LocalLockStrategies;
import dev.ballast.lock.resilient.LockMode;
import dev.ballast.lock.resilient.ResilientLockStrategy;
import java.time.Clock;
import java.util.Map;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** {@code /actuator/locks} for the resilient chain: its mode, and who made it so, as the shared mode row records it. */
class LocksEndpointTest {

    @Test
    void theResilientChainsModeNamesWhoSwitchedItAndTheInstanceThatCarriedItOut() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:locks-endpoint;DB_CLOSE_DELAY=-1");
        try (ResilientLockStrategy locks = ResilientLockStrategy.builder(
                        LocalLockStrategies.builder().build(),
                        JdbcLockStrategies.builder(h2, "ballast_", true).build(),
                        h2)
                .createTable(true)
                .instanceName("inst-A")
                .build()) {
            LocksEndpoint endpoint = new LocksEndpoint(locks, new HeldLocks(Clock.systemUTC()));
            assertThat(endpoint.locks()).containsEntry("mode", "primary").containsKey("modeChangedBy");

            assertThat(locks.switchMode(LockMode.FALLBACK, "ops-kim (link performed by anonymous@127.0.0.1)"))
                    .isTrue();

            Map<String, Object> body = endpoint.locks();
            assertThat(body)
                    .containsEntry("mode", "fallback")
                    .containsEntry("activeBackend", "jdbc")
                    .containsEntry(
                            "modeChangedBy", "operator:ops-kim (link performed by anonymous@127.0.0.1) via inst-A");
        }
    }
}
