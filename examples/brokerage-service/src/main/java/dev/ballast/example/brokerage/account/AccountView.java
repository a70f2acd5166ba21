package dev.ballast.example.brokerage.account;

import java.math.BigDecimal;

/**
 * An account as the API shows it.
 *
 * @param accountId e.g. {@code A-1}
 * @param balance decimal string with two places, e.g. {@code "10.00"}
 */
public record AccountView(String accountId, String balance) {

    static AccountView of(String accountId, BigDecimal balance) {
        return new AccountView(accountId, balance.setScale(2).toPlainString());
    }
}
