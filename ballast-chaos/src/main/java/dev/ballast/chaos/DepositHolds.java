package dev.ballast.chaos;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The holds of the example's account locks as the database recorded them, for {@link SingleHolder}. A deposit reads
 * the balance, adds its amount and writes it back under the account's lock, and its idempotency record
 * ({@code ballast_outbox_request.outcome}, committed with the balance) keeps the balance it wrote. So the committed
 * deposits of 1.00 to one account, placed by the balance each wrote, occupy the account's sequence of balances: the
 * deposit that wrote {@code b} held the lock over the step {@code [b - 1.00, b)}. One holder at a time gives every step
 * once; two holders that overlapped read the same balance and wrote the same one, so their steps coincide and
 * {@link SingleHolder} reports the overlap (a lost update). The holds' times are these balance steps in cents, not
 * clock time: the check needs no clock of any instance. Stateless.
 */
public final class DepositHolds {

    /** The kind of the hold operations made here. */
    public static final String HOLD = "hold";

    private static final Pattern OUTCOME =
            Pattern.compile("\"accountId\"\\s*:\\s*\"([^\"]+)\".*\"balance\"\\s*:\\s*\"([0-9.]+)\"");

    private DepositHolds() {}

    /** The stored outcomes of every deposit made with an idempotency key, read from {@code connection}'s database. */
    public static List<String> storedOutcomes(Connection connection) throws SQLException {
        List<String> outcomes = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT outcome FROM ballast_outbox_request"
                        + " WHERE request_id LIKE 'deposit:%' AND outcome IS NOT NULL")) {
            while (rows.next()) {
                outcomes.add(rows.getString(1));
            }
        }
        return outcomes;
    }

    /**
     * A history of one hold per deposit of 1.00 from its stored outcome (the account view it answered, e.g. {@code
     * {"accountId":"A-1","balance":"7.00"}}): key {@code account:<id>}, from {@code (balance - 1.00)} to {@code balance}
     * in cents.
     */
    public static History of(List<String> outcomes) {
        History history = new History();
        int n = 0;
        for (String outcome : outcomes) {
            Matcher matcher = OUTCOME.matcher(outcome);
            if (!matcher.find()) {
                throw new IllegalArgumentException("not a deposit outcome: " + outcome);
            }
            long cents = new BigDecimal(matcher.group(2)).movePointRight(2).longValueExact();
            history.add(new Operation(
                    n++,
                    HOLD,
                    "account:" + matcher.group(1),
                    matcher.group(2),
                    Outcome.OK,
                    200,
                    cents - 100,
                    cents,
                    ""));
        }
        return history;
    }
}
