package dev.ballast.example.brokerage.account;

import java.math.BigDecimal;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Balances in table {@code account}. Plain reads and writes: no {@code FOR UPDATE}, the account lock guards them. */
@Repository
class AccountRepository {

    private final JdbcClient jdbc;

    AccountRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Optional<BigDecimal> balance(String accountId) {
        return jdbc.sql("SELECT balance FROM account WHERE account_id = ?")
                .param(accountId)
                .query(BigDecimal.class)
                .optional();
    }

    /**
     * Writes the balance if {@code fencingToken} is newer than the token of the last write (a fenced write, as {@link
     * dev.ballast.lock.FencedWrite}); false if a newer holder of the account's lock wrote since.
     */
    boolean updateBalance(String accountId, BigDecimal balance, long fencingToken) {
        return jdbc.sql("UPDATE account SET balance = ?, fence = ? WHERE account_id = ? AND fence < ?")
                        .param(balance)
                        .param(fencingToken)
                        .param(accountId)
                        .param(fencingToken)
                        .update()
                == 1;
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
