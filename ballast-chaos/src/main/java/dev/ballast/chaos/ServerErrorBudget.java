package dev.ballast.chaos;

import java.util.List;

/**
 * At most {@code budget} operations got a 5xx or no answer at all; a scenario whose fault the service should absorb
 * has a budget of 0. Immutable.
 *
 * @param budget the most server errors allowed
 */
public record ServerErrorBudget(int budget) implements Checker {

    @Override
    public Check check(History history) {
        String invariant = "at most " + budget + " answers 5xx or missing";
        List<Operation> errors =
                history.operations().stream().filter(Operation::serverError).toList();
        String counts = errors.size() + " of " + history.operations().size();
        return errors.size() <= budget
                ? Check.pass(invariant, counts)
                : Check.fail(invariant, counts + ": " + NoAcknowledgedWriteLost.first(errors));
    }
}
