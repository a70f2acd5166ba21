package dev.ballast.example.brokerage.account;

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
        return service.get(accountId);
    }

    @PostMapping("/{accountId}/deposits")
    AccountView deposit(
            @PathVariable String accountId,
            @RequestHeader(name = "Idempotency-Key", required = false) @Nullable String idempotencyKey,
            @RequestBody DepositRequest request) {
        return service.deposit(accountId, request.amount(), idempotencyKey);
    }
}
