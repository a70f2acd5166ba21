package dev.ballast.lock.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ballast.core.alert.AlertSink;
import dev.ballast.lock.FencedWrite;
import dev.ballast.lock.LockHandle;
import dev.ballast.lock.LockListener;
import dev.ballast.lock.LockLostException;
import dev.ballast.lock.LockStrategy;
import dev.ballast.lock.ManualLockClock;
import dev.ballast.lock.internal.LeaseStrategyBuilder;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A lease that runs out while the guarded code runs (a stalled backend, a long database wait) fails the work with
 * {@link LockLostException} unless the code's fenced write was accepted by the database: then the database, not the
 * lease, decided that no newer holder had written, the work stands (usually committed already), and the loss is
 * reported instead. Found by a black-box check: a deposit credited while Redis was frozen answered 503, and a client
 * that retried it would have been credited twice.
 */
class FencedWorkOutlivingItsLeaseTest {

    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final FencedWrite BALANCE = FencedWrite.of("account", "account_id", "fence", "balance");

    private final ManualLockClock clock = new ManualLockClock();
    private final List<String> lostAfterWork = new CopyOnWriteArrayList<>();
    private final LockStrategy locks = new LeaseStrategyBuilder(LocalLockBackend::new)
            .listener(new LockListener() {
                @Override
                public void leaseLost(String backend, LockHandle handle) {}

                @Override
                public void leaseLostAfterWork(String backend, LockHandle handle) {
                    lostAfterWork.add(handle.key());
                }
            })
            .alerts(AlertSink.logging())
            .clock(clock)
            .build();
    private Connection db;

    @BeforeEach
    void openDatabase() throws SQLException {
        db = DriverManager.getConnection("jdbc:h2:mem:fenced-work-" + System.nanoTime());
        try (Statement ddl = db.createStatement()) {
            ddl.execute("CREATE TABLE account (account_id VARCHAR(20) PRIMARY KEY, balance DECIMAL(19, 2) NOT NULL,"
                    + " fence BIGINT NOT NULL DEFAULT 0)");
            ddl.execute("INSERT INTO account (account_id, balance) VALUES ('A-1', 0)");
        }
    }

    @AfterEach
    void close() throws SQLException {
        locks.close();
        db.close();
    }

    @Test
    void aFencedWriteTheDatabaseAcceptedKeepsTheResultWhenTheLeaseRanOutMeanwhile() throws SQLException {
        String result = locks.executeWithLock("account:A-1", Duration.ZERO, LEASE, () -> {
            clock.stall(LEASE.plusSeconds(5)); // no renewal ran: the lease is over while the work still runs
            boolean accepted =
                    BALANCE.apply(db, "A-1", FencedWrite.currentToken("account:A-1"), new BigDecimal("5.00"));
            return accepted ? "credited" : "refused";
        });

        assertThat(result).isEqualTo("credited");
        assertThat(balance()).isEqualByComparingTo("5.00");
        assertThat(lostAfterWork).containsExactly("account:A-1");
    }

    @Test
    void workWithoutAnAcceptedFencedWriteFailsWithLockLostWhenTheLeaseRanOutMeanwhile() throws SQLException {
        try (Statement newer = db.createStatement()) {
            newer.execute("UPDATE account SET fence = 1000000"); // a newer holder wrote: this one's write is refused
        }

        assertThatThrownBy(() -> locks.executeWithLock("account:A-1", Duration.ZERO, LEASE, () -> {
                    clock.stall(LEASE.plusSeconds(5));
                    return BALANCE.apply(db, "A-1", FencedWrite.currentToken("account:A-1"), new BigDecimal("5.00"));
                }))
                .isInstanceOf(LockLostException.class);
        assertThat(balance()).isEqualByComparingTo("0.00");
        assertThatThrownBy(() -> locks.executeWithLock("account:A-2", Duration.ZERO, LEASE, () -> {
                    clock.stall(LEASE.plusSeconds(5)); // no fenced write at all
                    return "unfenced";
                }))
                .isInstanceOf(LockLostException.class);
    }

    @Test
    void anAcceptedWriteWithAnotherHoldsTokenDoesNotKeepThisHoldsResult() {
        assertThatThrownBy(() -> locks.executeWithLock("account:A-1", Duration.ZERO, LEASE, () -> {
                    clock.stall(LEASE.plusSeconds(5));
                    long someoneElses = FencedWrite.currentToken("account:A-1") + 1000;
                    return BALANCE.apply(db, "A-1", someoneElses, new BigDecimal("5.00"));
                }))
                .isInstanceOf(LockLostException.class);
    }

    private BigDecimal balance() throws SQLException {
        try (Statement query = db.createStatement();
                ResultSet row = query.executeQuery("SELECT balance FROM account WHERE account_id = 'A-1'")) {
            row.next();
            return row.getBigDecimal(1);
        }
    }
}
