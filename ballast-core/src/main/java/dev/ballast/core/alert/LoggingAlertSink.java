package dev.ballast.core.alert;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** See {@link AlertSink#logging()}. Logger {@code ballast.alert}. */
final class LoggingAlertSink implements AlertSink {

    static final LoggingAlertSink INSTANCE = new LoggingAlertSink();

    private static final Logger log = LoggerFactory.getLogger("ballast.alert");

    private LoggingAlertSink() {}

    @Override
    public void send(Alert alert) {
        boolean resolved = alert.isResolved();
        Level level = resolved
                ? Level.INFO
                : switch (alert.severity()) {
                    case CRITICAL -> Level.ERROR;
                    case WARNING -> Level.WARN;
                    case INFO -> Level.INFO;
                };
        log.atLevel(level)
                .addKeyValue("severity", alert.severity().name())
                .addKeyValue("fingerprint", alert.fingerprint())
                .log(
                        "[{}] {}{}",
                        resolved ? "RESOLVED " + alert.severity() : alert.severity(),
                        alert.title(),
                        alert.detail().isEmpty() ? "" : ": " + alert.detail());
    }
}
