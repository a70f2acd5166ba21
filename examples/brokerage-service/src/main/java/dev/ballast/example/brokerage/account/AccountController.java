package dev.ballast.example.brokerage.account;

import dev.ballast.example.brokerage.idempotency.IdempotencyKeys;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
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

    // produces: a client that does not accept JSON is refused (406) before the deposit, not after
    @PostMapping(value = "/{accountId}/deposits", produces = MediaType.APPLICATION_JSON_VALUE)
    AccountView deposit(@PathVariable String accountId, HttpServletRequest http, @RequestBody DepositRequest request) {
        return service.deposit(accountId, request.amount(), IdempotencyKeys.header(http));
    }
}
