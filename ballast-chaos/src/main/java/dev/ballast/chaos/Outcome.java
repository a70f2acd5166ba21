package dev.ballast.chaos;

/** What a client learned about one operation. */
public enum Outcome {
    /** Acknowledged: it took effect and must never be lost. */
    OK,
    /** Refused with a client error (4xx): it took no effect. */
    FAIL,
    /** No answer, or a server error (5xx): it may or may not have taken effect. */
    UNKNOWN
}
