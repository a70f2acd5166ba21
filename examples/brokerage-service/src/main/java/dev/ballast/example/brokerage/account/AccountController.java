package dev.ballast.example.brokerage.account;

import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/accounts}: balances and deposits. */
@RestController
@RequestMapping("/api/accounts")
class AccountController {

    private final AccountService service;

    AccountController(AccountService service) {
        this.service = service;
    }

    @GetMapping("/{accountId}")
    AccountView get(@PathVariable String accountId) {
        return service.get(known(accountId));
    }

    @PostMapping("/{accountId}/deposits")
    AccountView deposit(
            @PathVariable String accountId,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String idempotencyKey,
            @RequestBody DepositRequest request) {
        if (request.amount() == null) {
            throw new ClientException(CommonErrorCode.INVALID_INPUT, "amount is required");
        }
        String id = known(accountId);
        AccountService.requireValidAmount(request.amount()); // before the lock too: a 400 waits for no holder
        if (!service.exists(id)) { // before the lock: a lock key (and its fencing counter) only for real accounts
            throw new ClientException(CommonErrorCode.NOT_FOUND, "no account " + id);
        }
        return service.deposit(id, request.amount(), idempotencyKey);
    }

    /** Ids that cannot be accounts are unknown (404) before any lock is taken for them. */
    private static String known(String accountId) {
        if (!AccountService.isAccountId(accountId)) {
            throw new ClientException(CommonErrorCode.NOT_FOUND, "no account " + accountId);
        }
        return accountId;
    }
}
