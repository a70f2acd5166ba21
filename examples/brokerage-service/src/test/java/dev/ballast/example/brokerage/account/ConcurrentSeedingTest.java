package dev.ballast.example.brokerage.account;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Instances started together seed the same accounts at the same moment, on the machine's real MariaDB and PostgreSQL.
 * Every seeder must finish (a deadlock here kills an instance at start-up) and each account must exist once.
 */
class ConcurrentSeedingTest {

    private static final int SEEDERS = 4;
    private static final int ROUNDS = 5;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mariadb", "postgresql"})
    void seedersRacingOnOneDatabaseAllFinishAndCreateEachAccountOnce(String database) throws Exception {
        String name = "seed_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        boolean maria = database.equals("mariadb");
        String server = maria ? "jdbc:mariadb://127.0.0.1:3306/test" : "jdbc:postgresql://127.0.0.1:5432/test";
        String url = maria ? "jdbc:mariadb://127.0.0.1:3306/" + name : "jdbc:postgresql://127.0.0.1:5432/" + name;
        String user = maria ? "root" : "postgres";
        execute(server, user, "CREATE DATABASE " + name);
        try (HikariDataSource pool = new HikariDataSource()) {
            pool.setJdbcUrl(url);
            pool.setUsername(user);
            pool.setMaximumPoolSize(SEEDERS); // one connection per instance

            Flyway.configure()
                    .dataSource(url, user, "")
                    .locations("classpath:db/migration/" + database)
                    .load()
                    .migrate();
            JdbcClient jdbc = JdbcClient.create(pool);
            for (int round = 0; round < ROUNDS; round++) {
                jdbc.sql("DELETE FROM account").update();
                CyclicBarrier together = new CyclicBarrier(SEEDERS);
                try (ExecutorService instances = Executors.newFixedThreadPool(SEEDERS)) {
                    List<Future<?>> seeders = new ArrayList<>();
                    for (int s = 0; s < SEEDERS; s++) {
                        seeders.add(instances.submit(() -> {
                            together.await(10, TimeUnit.SECONDS);
                            new AccountSeeder(new AccountRepository(
                                            jdbc, new org.springframework.jdbc.core.JdbcTemplate(pool)))
                                    .run(null);
                            return null;
                        }));
                    }
                    for (Future<?> seeder : seeders) {
                        seeder.get(60, TimeUnit.SECONDS); // rethrows a seeder's failure (a deadlock, a lock timeout)
                    }
                }
                assertThat(jdbc.sql("SELECT COUNT(*) FROM account")
                                .query(Long.class)
                                .single())
                        .as("round %d", round)
                        .isEqualTo(AccountSeeder.SEEDED_ACCOUNTS);
                assertThat(jdbc.sql("SELECT COUNT(DISTINCT account_id) FROM account WHERE balance = 0")
                                .query(Long.class)
                                .single())
                        .isEqualTo(AccountSeeder.SEEDED_ACCOUNTS);
            }
        } finally {
            execute(server, user, "DROP DATABASE IF EXISTS " + name + (maria ? "" : " WITH (FORCE)"));
        }
    }

    private static void execute(String url, String user, String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, user, "");
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
