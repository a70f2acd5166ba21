package dev.ballast.lock.jdbc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.LockListener;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

class JdbcLockStrategyH2Test extends JdbcLockStrategyContract {

    private static final JdbcDataSource h2 = new JdbcDataSource();

    static {
        h2.setURL("jdbc:h2:mem:jdbc-lock;DB_CLOSE_DELAY=-1");
    }

    @Override
    protected DataSource dataSource() {
        return h2;
    }

    @Test
    void aTablePrefixThatIsNotAnIdentifierIsRefused() {
        assertThatThrownBy(() -> JdbcLockStrategies.create(
                        h2, "x; DROP TABLE accounts; --", true, LockListener.none(), AlertSink.logging()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Lock table prefix must be letters, digits and '_'")
                .hasMessageContaining("was 'x; DROP TABLE accounts; --'");
    }
}
