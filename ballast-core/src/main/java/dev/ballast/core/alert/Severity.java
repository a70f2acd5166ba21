package dev.ballast.core.alert;

/** How urgently a person must act on an {@link Alert}. */
public enum Severity {
    /** Money or data at risk now: page someone. */
    CRITICAL,
    /** Degraded; needs attention within hours. */
    WARNING,
    /** Worth knowing; no action needed. */
    INFO
}
