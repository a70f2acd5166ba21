package dev.ballast.boot.autoconfigure.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.URISyntaxException;
import org.springframework.boot.webmvc.error.ErrorAttributes;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpHeaders;
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
 * the path of the request that failed, not the error page's.
 */
@Controller
@RequestMapping("${server.error.path:${error.path:/error}}")
final class ProblemErrorController implements ErrorController {

    private static final URI ABOUT_BLANK = URI.create("about:blank");

    private final BallastProblemHandler handler;
    private final ErrorAttributes errors;

    ProblemErrorController(BallastProblemHandler handler, ErrorAttributes errors) {
        this.handler = handler;
        this.errors = errors;
    }

    @RequestMapping
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Throwable failure = errors.getError(new ServletWebRequest(request));
        if (failure != null) {
            ResponseEntity<ProblemDetail> answer = handler.problem(failure);
            ProblemDetail body = answer.getBody();
            if (body != null && body.getInstance() == null) {
                body.setInstance(failedPath(request));
            }
            return answer;
        }
        int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code ? code : 500;
        if (status < 400) {
            status = 500;
        }
        String incident = status >= 500 ? Problems.newIncident() : null;
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatusCode.valueOf(status), Problems.containerDetail(status, incident));
        problem.setTitle(Problems.title(status));
        problem.setProperty("code", Problems.containerCodeFor(status));
        if (incident != null) {
            problem.setProperty(Problems.INCIDENT, incident);
        }
        problem.setInstance(failedPath(request));
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return new ResponseEntity<>(problem, headers, HttpStatusCode.valueOf(status));
    }

    /**
     * The path of the request that failed, as it was sent; {@code about:blank} when the container did not record one
     * or it is not a valid URI reference, so that the answer never names the error page instead.
     */
    private static URI failedPath(HttpServletRequest request) {
        if (request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String path && !path.isEmpty()) {
            try {
                return new URI(path);
            } catch (URISyntaxException invalid) {
                // fall through: a path Tomcat let through but java.net.URI rejects is not shown
            }
        }
        return ABOUT_BLANK;
    }
}
