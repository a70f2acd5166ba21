package dev.ballast.chaos;

/** Hand-made histories for the checkers' tests: times in milliseconds from 0. */
final class Histories {

    private Histories() {}

    static Operation op(String kind, String key, String value, Outcome outcome, int status, long fromMs, long toMs) {
        return new Operation(0, kind, key, value, outcome, status, fromMs * 1_000_000, toMs * 1_000_000, "");
    }

    static Operation ok(String kind, String key, long fromMs, long toMs) {
        return op(kind, key, "", Outcome.OK, 200, fromMs, toMs);
    }

    static History of(Operation... operations) {
        History history = new History();
        for (Operation operation : operations) {
            history.add(operation);
        }
        return history;
    }
}
