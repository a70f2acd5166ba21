package dev.ballast.test;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Captures the Logback events of one logger (and its children) during each test. Register with
 * {@code @RegisterExtension static final LogCapture logs = LogCapture.of("ballast");}.
 *
 * <p>Thread-safe for appending; read the events after the code under test has finished.
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {

    private final String loggerName;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private Level previousLevel;

    private LogCapture(String loggerName) {
        this.loggerName = loggerName;
    }

    /** Captures events of {@code loggerName} and below, at every level. */
    public static LogCapture of(String loggerName) {
        return new LogCapture(loggerName);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Logger logger = logger();
        previousLevel = logger.getLevel();
        logger.setLevel(Level.ALL);
        appender.list.clear();
        appender.start();
        logger.addAppender(appender);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Logger logger = logger();
        logger.detachAppender(appender);
        logger.setLevel(previousLevel);
        appender.stop();
    }

    /** Events captured so far, oldest first. */
    public List<ILoggingEvent> events() {
        synchronized (appender.list) {
            return List.copyOf(appender.list);
        }
    }

    /** Events at or above {@code level}. */
    public List<ILoggingEvent> eventsAtLeast(Level level) {
        return events().stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(level))
                .toList();
    }

    /** Forgets the events captured so far. */
    public void clear() {
        synchronized (appender.list) {
            appender.list.clear();
        }
    }

    private Logger logger() {
        return (Logger) LoggerFactory.getLogger(loggerName);
    }
}
