package dev.ballast.example.brokerage.account;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/** Creates accounts {@code A-1} to {@code A-100} with balance 0 at start-up (existing ones are left alone). */
@Component
class AccountSeeder implements ApplicationRunner {

    static final int SEEDED_ACCOUNTS = 100;

    private final AccountRepository accounts;

    AccountSeeder(AccountRepository accounts) {
        this.accounts = accounts;
    }

    @Override
    public void run(ApplicationArguments args) {
        for (int i = 1; i <= SEEDED_ACCOUNTS; i++) {
            accounts.createIfMissing("A-" + i);
        }
    }
}
