package dev.ballast.alert.action;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.test.LocalDatabases;
import java.net.URI;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where instances answer action links, in the ledger's table on the machine's real PostgreSQL and MariaDB: an
 * instance's latest announcement wins, and instances of one name starting at once (a restart overlapping the old
 * process) end with one row, not a failed start.
 */
class JdbcActionLedgerAddressesIT {

    private static HikariDataSource postgres;
    private static HikariDataSource mariadb;

    private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + "_";
    private DataSource used;

    @BeforeAll
    static void databases() {
        postgres = LocalDatabases.postgres();
        mariadb = LocalDatabases.mariadb();
    }

    @AfterAll
    static void closeDatabases() {
        postgres.close();
        mariadb.close();
    }

    @AfterEach
    void dropTables() throws Exception {
        try (Connection connection = used.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + prefix + "alert_action");
            statement.execute("DROP TABLE IF EXISTS " + prefix + "alert_action_instance");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void theLatestAnnouncementOfAnInstanceWinsAndEveryInstanceIsListed(String database) {
        used = database.equals("postgresql") ? postgres : mariadb;
        JdbcActionLedger a = new JdbcActionLedger(used, prefix);
        JdbcActionLedger b = new JdbcActionLedger(used, prefix);

        a.announce("inst-a", URI.create("https://old-a.example"), Instant.parse("2026-11-30T10:00:00Z"));
        b.announce("inst-b", URI.create("https://b.example"), Instant.parse("2026-11-30T10:00:01Z"));
        a.announce("inst-a", URI.create("https://a.example"), Instant.parse("2026-11-30T10:05:00Z"));

        assertThat(b.announced())
                .isEqualTo(
                        Map.of("inst-a", URI.create("https://a.example"), "inst-b", URI.create("https://b.example")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql", "mariadb"})
    void instancesOfOneNameAnnouncingAtOnceLeaveOneRow(String database) throws Exception {
        used = database.equals("postgresql") ? postgres : mariadb;
        new JdbcActionLedger(used, prefix); // the tables
        ExecutorService starts = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Void>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int n = i;
                all.add(CompletableFuture.runAsync(
                        () -> new JdbcActionLedger(used, prefix)
                                .announce("inst-a", URI.create("https://a" + n + ".example"), Instant.now()),
                        starts));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
        } finally {
            starts.shutdownNow();
        }

        Map<String, URI> announced = new JdbcActionLedger(used, prefix).announced();
        assertThat(announced).containsOnlyKeys("inst-a");
        assertThat(announced.get("inst-a").toString()).matches("https://a[0-7]\\.example");
    }
}
