package dev.ballast.test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A pool on the machine's shared PostgreSQL or MariaDB ({@link LocalDatabases}) that closes itself after its test
 * class: register it as a JUnit 5 extension, {@code @RegisterExtension static final LocalDatabase postgres =
 * LocalDatabase.postgres();}, and use it as the {@link javax.sql.DataSource} it is. Thread-safe, as Hikari's pool is.
 */
public final class LocalDatabase extends HikariDataSource implements AfterAllCallback {

    private LocalDatabase(HikariConfig config) {
        super(config);
    }

    /**
     * A pool on PostgreSQL on 127.0.0.1:5432, as {@link LocalDatabases#postgres()}.
     *
     * @return the pool, open until the class's tests are done
     */
    public static LocalDatabase postgres() {
        return new LocalDatabase(LocalDatabases.postgresConfig());
    }

    /**
     * A pool on MariaDB on 127.0.0.1:3306, as {@link LocalDatabases#mariadb()}.
     *
     * @return the pool, open until the class's tests are done
     */
    public static LocalDatabase mariadb() {
        return new LocalDatabase(LocalDatabases.mariadbConfig());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }
}
