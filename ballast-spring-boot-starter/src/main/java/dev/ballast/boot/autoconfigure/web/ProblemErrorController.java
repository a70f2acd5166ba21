package dev.ballast.boot.autoconfigure.web;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorAttributes;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.context.request.ServletWebRequest;

/**
 * The container's error page ({@code server.error.path}, {@code /error}) as problem details: errors the container
 * raises inside the application context (a {@code sendError}, an exception from a filter) get the same answer as those
 * controllers raise, never Spring Boot's JSON error map or its whitelabel HTML page. The problem's {@code instance} is
 * the path of the request that failed, not the error page's. A client that asks for the error page itself gets 404:
 * only the container's error dispatch reaches the error handling, so no request can make a 500 at will.
 */
@Controller
@RequestMapping("${server.error.path:${error.path:/error}}")
final class ProblemErrorController implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(ProblemErrorController.class);

    private final BallastProblemHandler handler;
    private final ErrorAttributes errors;

    ProblemErrorController(BallastProblemHandler handler, ErrorAttributes errors) {
        this.handler = handler;
        this.errors = errors;
    }

    @RequestMapping
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        if (request.getDispatcherType() != DispatcherType.ERROR) {
            // a client asked for the error page itself: nothing is there for it (it must not be a 500 at will)
            return answer(HttpStatus.NOT_FOUND.value(), null, Problems.instance(request.getRequestURI()));
        }
        Throwable failure = errors.getError(new ServletWebRequest(request));
        if (failure != null) {
            ResponseEntity<ProblemDetail> answer = handler.problem(failure);
            ProblemDetail body = answer.getBody();
            URI instance = failedPath(request);
            if (body != null && body.getInstance() == null && instance != null) {
                body.setInstance(instance);
            }
            return answer;
        }
        int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code ? code : 500;
        if (status < 400) {
            status = 500;
        }
        String incident = null;
        URI instance = failedPath(request);
        if (status >= 500) {
            incident = Problems.newIncident();
            // the application answered a 5xx with sendError: one line, so that the incident can be found
            (status == 503 ? log.atInfo() : log.atError())
                    .addKeyValue(Problems.INCIDENT, incident)
                    .log("Incident {}: answered {} for {} (sendError, no exception)", incident, status, instance);
        }
        return answer(status, incident, instance);
    }

    private static ResponseEntity<ProblemDetail> answer(int status, @Nullable String incident, @Nullable URI instance) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatusCode.valueOf(status), Problems.containerDetail(status, incident));
        problem.setTitle(Problems.title(status));
        problem.setProperty("code", Problems.containerCodeFor(status));
        if (incident != null) {
            problem.setProperty(Problems.INCIDENT, incident);
        }
        problem.setInstance(instance);
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return new ResponseEntity<>(problem, headers, HttpStatusCode.valueOf(status));
    }

    /**
     * The path of the request that failed, as it was sent; null (Spring then names the error page) in the unlikely
     * case that the container recorded none or one that is not a valid URI reference.
     */
    private static @Nullable URI failedPath(HttpServletRequest request) {
        if (request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String path && !path.isEmpty()) {
            return Problems.instance(path);
        }
        return null;
    }
}
