package dev.ballast.example.brokerage.account;

import dev.ballast.lock.FencedWrite;
import java.math.BigDecimal;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Balances in table {@code account}. The deposit's read-modify-write runs under the account lock and, in the database,
 * under the row's lock ({@link #balanceForUpdate}) with a fenced write ({@link #updateBalance}).
 */
@Repository
class AccountRepository {

    private static final FencedWrite BALANCE = FencedWrite.of("account", "account_id", "fence", "balance");

    private final JdbcClient jdbc;
    private final JdbcTemplate jdbcTemplate;

    AccountRepository(JdbcClient jdbc, JdbcTemplate jdbcTemplate) {
        this.jdbc = jdbc;
        this.jdbcTemplate = jdbcTemplate;
    }

    Optional<BigDecimal> balance(String accountId) {
        return jdbc.sql("SELECT balance FROM account WHERE account_id = ?")
                .param(accountId)
                .query(BigDecimal.class)
                .optional();
    }

    /**
     * The balance, the row locked until the transaction ends: a holder of the account lock whose lease ran out while it
     * worked cannot have its deposit overwritten by a newer holder that read the balance before this one committed (the
     * newer one's read waits for the commit), so a fenced write the database accepted stands.
     */
    Optional<BigDecimal> balanceForUpdate(String accountId) {
        return jdbc.sql("SELECT balance FROM account WHERE account_id = ? FOR UPDATE")
                .param(accountId)
                .query(BigDecimal.class)
                .optional();
    }

    /**
     * Writes the balance if {@code fencingToken} is newer than the token of the last write ({@link FencedWrite}, in the
     * caller's transaction); false if a newer holder of the account's lock wrote since.
     */
    boolean updateBalance(String accountId, BigDecimal balance, long fencingToken) {
        // JdbcTemplate hands the transaction's connection over and translates a failure as JdbcClient does
        return Boolean.TRUE.equals(jdbcTemplate.execute((ConnectionCallback<Boolean>)
                connection -> BALANCE.apply(connection, accountId, fencingToken, balance)));
    }

    /**
     * Creates the account with balance 0 unless it exists, also when another instance creates it at the same moment
     * (its insert wins, this one's duplicate key is ignored).
     *
     * <p>A read, then a plain single-row insert. Not {@code INSERT ... SELECT ... WHERE NOT EXISTS}: on MariaDB (InnoDB)
     * that statement share-locks the gap where the row would go, so two instances seeding at the same moment each wait
     * for the other's gap lock and one of them dies of a deadlock at start-up. A plain insert only waits for the other
     * insert of the same key and then fails as a duplicate.
     */
    void createIfMissing(String accountId) {
        if (balance(accountId).isPresent()) {
            return;
        }
        try {
            jdbc.sql("INSERT INTO account (account_id, balance) VALUES (?, 0)")
                    .param(accountId)
                    .update();
        } catch (DuplicateKeyException raced) {
            // another instance seeded it between our check and our insert: it exists, which is all we want
        }
    }
}
