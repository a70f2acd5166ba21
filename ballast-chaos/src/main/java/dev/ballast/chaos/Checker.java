package dev.ballast.chaos;

/** An invariant checked on a recorded {@link History}. Implementations are immutable. */
@FunctionalInterface
public interface Checker {

    /** Whether {@code history} keeps the invariant, with the evidence. */
    Check check(History history);
}
