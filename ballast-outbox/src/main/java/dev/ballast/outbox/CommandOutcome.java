package dev.ballast.outbox;

/**
 * The result of {@link Outbox#executeOnce}: the outcome the command returned when it first ran, and whether this call
 * was a repeat (then the command did not run and nothing was written).
 */
public record CommandOutcome(String outcome, boolean repeated) {}
