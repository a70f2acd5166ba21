package dev.ballast.example.brokerage.account;

import dev.ballast.boot.DistributedLock;
import dev.ballast.boot.Task;
import dev.ballast.boot.outbox.TransactionalOutbox;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.example.brokerage.idempotency.IdempotencyKeys;
import dev.ballast.lock.FencedWrite;
import dev.ballast.lock.LockLostException;
import dev.ballast.outbox.CommandOutcome;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Deposits are a read-modify-write of the balance guarded by the account's distributed lock (taken before the
 * transaction, released after its commit); nothing else serialises them, and the write is fenced by the lock's token.
 */
@Service
public class AccountService {

    private static final Pattern ACCOUNT_ID = Pattern.compile("A-[1-9][0-9]{0,8}");
    private static final BigDecimal MAX_DEPOSIT = new BigDecimal("1000000000.00");

    private final AccountRepository accounts;
    private final TransactionalOutbox outbox;
    private final JsonMapper json = JsonMapper.builder().build();

    AccountService(AccountRepository accounts, TransactionalOutbox outbox) {
        this.accounts = accounts;
        this.outbox = outbox;
    }

    /** The account; 404 for an unknown id. */
    @Task(domain = "Account", task = "Read", id = "#accountId")
    public AccountView get(String accountId) {
        return AccountView.of(accountId, balanceOf(accountId));
    }

    /**
     * Adds {@code amount} to the balance; 404 for an unknown id, 400 for an invalid amount. With an {@code
     * idempotencyKey}, only once per key: the key is claimed in the same transaction before the balance changes, a
     * repeat gets the first deposit's answer back and changes nothing (also when it races the first on another
     * instance), and the key with another account or amount is 409 {@code IDEMPOTENCY_CONFLICT}.
     */
    @Task(domain = "Account", task = "Deposit", id = "#accountId")
    // a short lease, renewed every third of it while the deposit runs: if this instance dies holding it (SIGKILL, OOM),
    // the account's deposits on the other instances wait at most 10 s for it, not 30; the fenced write below keeps a
    // holder that outlived its lease (a long pause) from overwriting a newer balance
    @DistributedLock(key = "'account:' + #accountId", waitTime = "5s", leaseTime = "10s")
    @Transactional
    public AccountView deposit(String accountId, BigDecimal amount, @Nullable String idempotencyKey) {
        requireValidAmount(amount);
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
     * 503.
     */
    private AccountView credit(String accountId, BigDecimal amount) {
        String key = lockKey(accountId);
        long token = FencedWrite.currentToken(key);
        BigDecimal balance = balanceOf(accountId).add(amount);
        if (!accounts.updateBalance(accountId, balance, token)) {
            throw new LockLostException(key, token);
        }
        return AccountView.of(accountId, balance);
    }

    /**
     * Whether the account exists; read before {@link #deposit} takes the account's lock, so that ids a client makes up
     * never become lock keys (a lock backend keeps each key's fencing counter: a day on Redis, for good in a database).
     */
    boolean exists(String accountId) {
        return accounts.balance(accountId).isPresent();
    }

    /** The account's lock key, as {@code @DistributedLock} on {@link #deposit} builds it. */
    static String lockKey(String accountId) {
        return "account:" + accountId;
    }

    /** Whether the id has the shape of an account id; the lock key is built only from ids that do. */
    static boolean isAccountId(String accountId) {
        return ACCOUNT_ID.matcher(accountId).matches();
    }

    private BigDecimal balanceOf(String accountId) {
        return accounts.balance(accountId)
                .orElseThrow(() -> new ClientException(CommonErrorCode.NOT_FOUND, "no account " + accountId));
    }

    static void requireValidAmount(BigDecimal amount) {
        if (amount.signum() <= 0) {
            throw new ClientException(CommonErrorCode.INVALID_INPUT, "amount must be positive");
        }
        if (amount.stripTrailingZeros().scale() > 2) {
            throw new ClientException(CommonErrorCode.INVALID_INPUT, "amount must have at most two decimal places");
        }
        if (amount.compareTo(MAX_DEPOSIT) > 0) {
            throw new ClientException(CommonErrorCode.INVALID_INPUT, "amount must be at most " + MAX_DEPOSIT);
        }
    }
}
