package dev.ballast.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** The dedup ledger's table prefix is checked when the ledger is made, before any SQL names it. */
class JdbcDedupLedgerPrefixTest {

    private final JdbcDataSource h2 = new JdbcDataSource();

    JdbcDedupLedgerPrefixTest() {
        h2.setURL("jdbc:h2:mem:dedup-prefix-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    }

    @Test
    void aPrefixStartingWithADigitIsRefusedNamingTheRule() {
        // "1x_alert_dedup" is no SQL identifier: every statement of the ledger would fail
        assertThatThrownBy(() -> new JdbcDedupLedger(h2, "1x_"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Dedup table prefix must be up to 40 letters, digits or '_', not starting with a digit,"
                        + " was '1x_'");
        assertThatThrownBy(() -> new JdbcDedupLedger(h2, "a".repeat(41))).hasMessageContaining("up to 40");
    }

    @Test
    void aPlainPrefixCreatesItsTable() throws SQLException {
        JdbcDedupLedger ledger = new JdbcDedupLedger(h2, "_2x_");
        ledger.createTable();

        try (Connection connection = h2.getConnection();
                ResultSet tables = connection.getMetaData().getTables(null, null, "_2X_ALERT_DEDUP", null)) {
            assertThat(tables.next()).as(ledger.table()).isTrue();
        }
    }
}
