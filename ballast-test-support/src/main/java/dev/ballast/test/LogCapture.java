package dev.ballast.test;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import java.io.PrintStream;
import java.util.List;
import java.util.logging.Handler;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Captures the Logback events of one logger (and its children) during each test. Register with
 * {@code @RegisterExtension static final LogCapture logs = LogCapture.of("ballast");}.
 *
 * <p>While a test runs, captured events do not reach the appenders of parent loggers (the console): tests that provoke
 * failures on purpose stay quiet, so a real failure is easy to find in the build output. When the test fails, the
 * captured events are printed to standard error after all, with their stack traces.
 *
 * <p>A Spring Boot application started during the test would reset Logback when it configures logging, and with it
 * this capture. So while capturing, the system property {@code org.springframework.boot.logging.LoggingSystem} is
 * {@code none} (unless the test set it), which leaves the test's Logback configuration alone, and java.util.logging
 * (Tomcat's) goes to Logback through the SLF4J bridge, as Boot would have arranged.
 *
 * <p>Thread-safe for appending; read the events after the code under test has finished.
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {

    private static final String BOOT_LOGGING_SYSTEM = "org.springframework.boot.logging.LoggingSystem";

    private final String loggerName;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing(); // the MDC, message and thread as they were when it was logged
            super.append(event);
        }
    };
    private @Nullable Level previousLevel;
    private boolean previousAdditive;
    private boolean bootLoggingSystemSet;
    private final Handler julBridge = new SLF4JBridgeHandler();
    private Handler[] julRootHandlers = new Handler[0];

    private LogCapture(String loggerName) {
        this.loggerName = loggerName;
    }

    /** Captures events of {@code loggerName} and below, at every level. */
    public static LogCapture of(String loggerName) {
        return new LogCapture(loggerName);
    }

    /** Captures events of the logger named for {@code type} and below, at every level. */
    public static LogCapture of(Class<?> type) {
        return new LogCapture(type.getName());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Logger logger = logger();
        previousLevel = logger.getLevel();
        previousAdditive = logger.isAdditive();
        logger.setLevel(Level.TRACE); // the lowest level: every event
        logger.setAdditive(false);
        appender.list.clear();
        appender.start();
        logger.addAppender(appender);
        if (System.getProperty(BOOT_LOGGING_SYSTEM) == null) {
            System.setProperty(BOOT_LOGGING_SYSTEM, "none");
            bootLoggingSystemSet = true;
        }
        java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
        julRootHandlers = julRoot.getHandlers();
        for (Handler handler : julRootHandlers) {
            julRoot.removeHandler(handler);
        }
        julRoot.addHandler(julBridge);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        java.util.logging.Logger julRoot = java.util.logging.Logger.getLogger("");
        julRoot.removeHandler(julBridge);
        for (Handler handler : julRootHandlers) {
            julRoot.addHandler(handler);
        }
        if (bootLoggingSystemSet) {
            System.clearProperty(BOOT_LOGGING_SYSTEM);
            bootLoggingSystemSet = false;
        }
        Logger logger = logger();
        logger.detachAppender(appender);
        logger.setAdditive(previousAdditive);
        logger.setLevel(previousLevel);
        appender.stop();
        if (context.getExecutionException().isPresent()) {
            replay(System.err);
        }
    }

    private void replay(PrintStream out) {
        List<ILoggingEvent> events = events();
        out.println("LogCapture(" + loggerName + "): " + events.size() + " events captured during the failed test:");
        for (ILoggingEvent event : events) {
            out.println(event.getLevel() + " " + event.getLoggerName() + " - " + event.getFormattedMessage());
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                out.print(ThrowableProxyUtil.asString(thrown));
                out.println();
            }
        }
    }

    /** Events captured so far, oldest first. */
    public List<ILoggingEvent> events() {
        synchronized (appender) { // the monitor AppenderBase.doAppend holds while it adds
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
        synchronized (appender) { // the monitor AppenderBase.doAppend holds while it adds
            appender.list.clear();
        }
    }

    private Logger logger() {
        return (Logger) LoggerFactory.getLogger(loggerName);
    }
}
