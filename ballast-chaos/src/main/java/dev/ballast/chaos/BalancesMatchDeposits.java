package dev.ballast.chaos;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Each account's balance (all start at 0) is the sum of its acknowledged deposits, plus any part of the deposits
 * whose outcome the client never learned, each at most once: {@code acknowledged <= balance <= acknowledged +
 * unknown}. A deposit refused with a 4xx adds nothing. Deposits are operations of kind {@code deposit}, keyed by
 * account, with the amount as value. Immutable.
 *
 * @param balances every account's balance, read after the load stopped
 */
public record BalancesMatchDeposits(Map<String, BigDecimal> balances) implements Checker {

    /** The kind of operation this checker reads. */
    public static final String DEPOSIT = "deposit";

    @Override
    public Check check(History history) {
        String invariant = "balance = sum of acknowledged deposits (+ at most the unanswered ones)";
        Map<String, BigDecimal> acknowledged = new HashMap<>();
        Map<String, BigDecimal> unknown = new HashMap<>();
        for (Operation op : history.operations(DEPOSIT)) {
            Map<String, BigDecimal> sums =
                    switch (op.outcome()) {
                        case OK -> acknowledged;
                        case UNKNOWN -> unknown;
                        case FAIL -> null;
                    };
            if (sums != null) {
                sums.merge(op.key(), new BigDecimal(op.value()), BigDecimal::add);
            }
        }
        List<String> violations = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        for (Map.Entry<String, BigDecimal> account : balances.entrySet()) {
            BigDecimal low = acknowledged.getOrDefault(account.getKey(), BigDecimal.ZERO);
            BigDecimal high = low.add(unknown.getOrDefault(account.getKey(), BigDecimal.ZERO));
            BigDecimal balance = account.getValue();
            total = total.add(low);
            if (balance.compareTo(low) < 0 || balance.compareTo(high) > 0) {
                violations.add(account.getKey() + " holds " + balance + ", acknowledged " + low + ", at most " + high);
            }
        }
        for (String account : acknowledged.keySet()) {
            if (!balances.containsKey(account)) {
                violations.add(account + " has acknowledged deposits but no balance");
            }
        }
        String counts = balances.size() + " accounts, " + total + " acknowledged in total";
        return violations.isEmpty()
                ? Check.pass(invariant, counts)
                : Check.fail(
                        invariant,
                        counts + "; " + violations.size() + " wrong: " + NoAcknowledgedWriteLost.first(violations));
    }
}
