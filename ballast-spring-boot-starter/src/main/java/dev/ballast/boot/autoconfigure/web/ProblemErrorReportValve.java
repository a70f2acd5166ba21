package dev.ballast.boot.autoconfigure.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tomcat's error report for requests it rejects before the application sees them (a malformed request line, an encoded
 * {@code /} or NUL in the path, a URI or headers over the limits), as problem details instead of Tomcat's HTML page.
 * Nothing from the request is echoed. Public with a no-argument constructor because Tomcat instantiates its host's error
 * report valve by class name.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    private static final Logger log = LoggerFactory.getLogger(ProblemErrorReportValve.class);

    /** A valve that never shows server details. */
    @SuppressWarnings("this-escape") // Tomcat's own setters only store the flags; no subclass overrides them
    public ProblemErrorReportValve() {
        setShowReport(false);
        setShowServerInfo(false);
    }

    @Override
    protected void report(Request request, Response response, @Nullable Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(true);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        String incident = null;
        // 505: the client asked for an HTTP version the server does not speak; its own fault, so no incident, no ERROR
        if (status >= 500 && status != 505) {
            incident = Problems.newIncident();
            log.atError()
                    .addKeyValue(Problems.INCIDENT, incident)
                    .setCause(throwable)
                    .log("Incident {}: the server answered {} before the application", incident, status);
        }
        String body = Problems.json(
                status, Problems.containerCodeFor(status), Problems.containerDetail(status, incident), null, incident);
        try {
            // bytes, not the reporter's writer: a writer makes Tomcat name a charset, which no other layer's
            // problem does (JSON is UTF-8 by definition, RFC 8259), so one client sees one Content-Type
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            response.setContentType("application/problem+json");
            response.setContentLength(bytes.length);
            response.getOutputStream().write(bytes);
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            log.debug("Could not write the error report", e);
        }
    }
}
