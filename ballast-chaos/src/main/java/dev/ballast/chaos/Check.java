package dev.ballast.chaos;

/**
 * The verdict of one {@link Checker} on one history. Immutable.
 *
 * @param invariant what was checked, in words
 * @param passed whether the history kept it
 * @param detail the evidence: counts, and the first violations when it failed
 */
public record Check(String invariant, boolean passed, String detail) {

    /** A check that passed if {@code passed}, else failed. */
    public static Check of(String invariant, boolean passed, String detail) {
        return new Check(invariant, passed, detail);
    }

    static Check pass(String invariant, String detail) {
        return new Check(invariant, true, detail);
    }

    static Check fail(String invariant, String detail) {
        return new Check(invariant, false, detail);
    }

    @Override
    public String toString() {
        return (passed ? "PASS " : "FAIL ") + invariant + ": " + detail;
    }
}
