package dev.ballast.example.brokerage.account;

import dev.ballast.boot.Task;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import java.math.BigDecimal;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * Balances and deposits. Each call is one task ({@code Account.Read}, {@code Account.Deposit}), so its checks are in
 * the task's logs and metrics too: an unknown account or an invalid amount counts as a client error of the task, a
 * database that does not answer the existence check as an infrastructure failure. The deposit's checks run before the
 * account's lock is taken ({@link AccountLedger} takes it): a 400 or 404 waits for no holder, and ids a client makes
 * up never become lock keys (a lock backend keeps each key's fencing counter: a day on Redis, for good in a database).
 */
@Service
public class AccountService {

    private static final Pattern ACCOUNT_ID = Pattern.compile("A-[1-9][0-9]{0,8}");
    private static final BigDecimal MAX_DEPOSIT = new BigDecimal("1000000000.00");

    private final AccountRepository accounts;
    private final AccountLedger ledger;

    AccountService(AccountRepository accounts, AccountLedger ledger) {
        this.accounts = accounts;
        this.ledger = ledger;
    }

    /** The account; 404 for an unknown id. */
    @Task(domain = "Account", task = "Read", id = "#accountId")
    public AccountView get(String accountId) {
        return AccountView.of(accountId, balanceOf(known(accountId)));
    }

    /**
     * Adds {@code amount} to the balance; 404 for an unknown id, 400 for a missing or invalid amount. With an {@code
     * idempotencyKey}, only once per key: the key is claimed in the same transaction before the balance changes, a
     * repeat gets the first deposit's answer back and changes nothing (also when it races the first on another
     * instance), and the key with another account or amount is 409 {@code IDEMPOTENCY_CONFLICT}.
     */
    @Task(domain = "Account", task = "Deposit", id = "#accountId")
    public AccountView deposit(String accountId, @Nullable BigDecimal amount, @Nullable String idempotencyKey) {
        if (amount == null) {
            throw new ClientException(CommonErrorCode.INVALID_INPUT, "amount is required");
        }
        String id = known(accountId);
        requireValidAmount(amount);
        balanceOf(id); // 404 before the lock: a lock key (and its fencing counter) only for real accounts
        return ledger.deposit(id, amount, idempotencyKey);
    }

    /** The account's lock key, as {@code @DistributedLock} on {@link AccountLedger#deposit} builds it. */
    static String lockKey(String accountId) {
        return "account:" + accountId;
    }

    /**
     * Ids that cannot be accounts are unknown (404) before any lock is taken or query is sent for them; the answer does
     * not repeat such an id (it came from the path: any length, control characters included).
     */
    private static String known(String accountId) {
        if (!ACCOUNT_ID.matcher(accountId).matches()) {
            throw new ClientException(
                    CommonErrorCode.NOT_FOUND, "no such account: account ids are A- and a number (A-1)");
        }
        return accountId;
    }

    private BigDecimal balanceOf(String accountId) {
        return accounts.balance(accountId)
                .orElseThrow(() -> new ClientException(CommonErrorCode.NOT_FOUND, "no account " + accountId));
    }

    private static void requireValidAmount(BigDecimal amount) {
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
