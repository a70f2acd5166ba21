package dev.ballast.example.brokerage.account;

import dev.ballast.boot.DistributedLock;
import dev.ballast.boot.outbox.TransactionalOutbox;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.example.brokerage.idempotency.IdempotencyKeys;
import dev.ballast.lock.FencedWrite;
import dev.ballast.lock.LockLostException;
import dev.ballast.outbox.CommandOutcome;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * The deposit's write: a read-modify-write of the balance guarded by the account's distributed lock (taken before the
 * transaction, released after its commit); nothing else serialises deposits, and the write is fenced by the lock's
 * token. Called by {@link AccountService#deposit} inside its {@code Account.Deposit} task, after the checks that need no
 * lock.
 */
@Component
class AccountLedger {

    private final AccountRepository accounts;
    private final TransactionalOutbox outbox;
    private final JsonMapper json = JsonMapper.builder().build();

    AccountLedger(AccountRepository accounts, TransactionalOutbox outbox) {
        this.accounts = accounts;
        this.outbox = outbox;
    }

    // a short lease, renewed every third of it while the deposit runs: if this instance dies holding it (SIGKILL, OOM),
    // the account's deposits on the other instances wait at most 10 s for it, not 30; the fenced write below keeps a
    // holder that outlived its lease (a long pause) from overwriting a newer balance
    @DistributedLock(key = "'account:' + #accountId", waitTime = "5s", leaseTime = "10s")
    @Transactional
    public AccountView deposit(String accountId, BigDecimal amount, @Nullable String idempotencyKey) {
        if (idempotencyKey == null) {
            return credit(accountId, amount);
        }
        String key = IdempotencyKeys.require(idempotencyKey);
        String request = accountId + " " + amount.setScale(2).toPlainString();
        CommandOutcome outcome = outbox.executeOnce(
                IdempotencyKeys.requestId("deposit", key),
                request.getBytes(StandardCharsets.UTF_8),
                () -> json.writeValueAsString(credit(accountId, amount)));
        return json.readValue(outcome.outcome(), AccountView.class);
    }

    /**
     * The read-modify-write, fenced: the write carries the account lock's fencing token, so a holder paused past its
     * lease (GC, SIGSTOP) that wakes after another instance deposited is refused by the database instead of overwriting
     * that deposit with a balance computed from a stale read (chaos scenario (5) lost an acknowledged deposit that way
     * before). The refusal is {@link LockLostException}: the transaction rolls back and the client gets a retryable
     * 503. The read locks the row, so a newer holder cannot read the balance before this deposit commits and write over
     * it; a write the database accepted therefore stands, and the deposit answers with its result even if the lease ran
     * out meanwhile (a Redis that stalled while the row was busy): the lock reports the loss instead of failing a
     * committed deposit, which a client would retry into a second credit.
     */
    private AccountView credit(String accountId, BigDecimal amount) {
        String key = AccountService.lockKey(accountId);
        long token = FencedWrite.currentToken(key);
        BigDecimal balance = accounts.balanceForUpdate(accountId)
                .orElseThrow(() -> new ClientException(CommonErrorCode.NOT_FOUND, "no account " + accountId))
                .add(amount);
        if (!accounts.updateBalance(accountId, balance, token)) {
            throw new LockLostException(key, token);
        }
        return AccountView.of(accountId, balance);
    }
}
