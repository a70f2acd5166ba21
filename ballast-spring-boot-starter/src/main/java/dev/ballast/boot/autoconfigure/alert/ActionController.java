package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.action.ActionException;
import dev.ballast.alert.action.ActionRecord;
import dev.ballast.alert.action.ActionService;
import dev.ballast.boot.autoconfigure.web.BallastProblemHandler;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;

/**
 * {@code /ballast/actions/{token}}: GET shows what the link would do and changes nothing; POST performs it once (409
 * when used already, 410 when expired, 403 when changed or forged). With Spring Security on the classpath the POST
 * needs an authenticated user with {@code ballast.alert.actions.role}. Browsers (Accept: text/html) get HTML pages,
 * other clients JSON: a GET what the link does and whether it was used, refusals RFC 9457 problems with a {@code code}.
 * A failure of what it depends on (the audit table's database down) is the problem {@link BallastProblemHandler} makes
 * of it (503 {@code UNAVAILABLE} with {@code Retry-After} and an incident), and for a browser a page that says so.
 * Thread-safe.
 */
@Controller
final class ActionController {

    private static final URI ACTIONS_PATH = URI.create("/ballast/actions");

    private static final boolean SECURITY = ClassUtils.isPresent(
            "org.springframework.security.core.context.SecurityContextHolder", ActionController.class.getClassLoader());

    private final ActionService actions;
    private final String service;
    private final String role;
    private final @Nullable BallastProblemHandler problems;

    ActionController(ActionService actions, String service, String role, @Nullable BallastProblemHandler problems) {
        this.actions = actions;
        this.service = service;
        this.role = role;
        this.problems = problems;
    }

    /**
     * A failure other than a refusal: the database of the audit trail down, say. Found by a black-box check: a person
     * who clicked a button in chat during a database outage got the problem's JSON in the browser.
     */
    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<?> failed(RuntimeException failure, HttpServletRequest request) {
        if (problems == null) {
            throw failure; // Ballast's problem details are off: the application's own handling applies
        }
        ResponseEntity<ProblemDetail> problem = withoutToken(problems.problem(failure));
        ProblemDetail body = problem.getBody();
        if (!wantsHtml(request) || body == null) {
            return problem;
        }
        HttpStatus status = HttpStatus.valueOf(problem.getStatusCode().value());
        String page = ActionPage.refusal(
                service,
                status.getReasonPhrase(),
                String.valueOf(body.getDetail()).replaceAll("\\.$", "")
                        + ". Open the link again shortly: its page will say whether the action was performed, and a"
                        + " link that was not performed still works.");
        ResponseEntity<String> html = html(status, page);
        String retryAfter = problem.getHeaders().getFirst(HttpHeaders.RETRY_AFTER);
        return retryAfter == null
                ? html
                : ResponseEntity.status(status)
                        .headers(html.getHeaders())
                        .header(HttpHeaders.RETRY_AFTER, retryAfter)
                        .body(html.getBody());
    }

    @GetMapping(
            value = "/ballast/actions/{token}",
            produces = {MediaType.TEXT_HTML_VALUE, MediaType.APPLICATION_JSON_VALUE})
    ResponseEntity<?> show(@PathVariable String token, HttpServletRequest request) {
        try {
            ActionService.Preview preview = actions.preview(token);
            if (!wantsHtml(request)) {
                // the type set here: with Accept */* (curl's default) Spring would pick the first of `produces`, HTML,
                // find no way to write this map as HTML and answer 500 (found by a black-box check)
                return ResponseEntity.ok()
                        .cacheControl(CacheControl.noStore())
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(describe(preview));
            }
            if (preview.earlier().isPresent()) {
                return html(
                        HttpStatus.OK,
                        ActionPage.result(service, preview.earlier().get(), true));
            }
            return html(HttpStatus.OK, ActionPage.confirm(service, preview, token, csrf(request)));
        } catch (ActionException e) {
            return refuse(e, request);
        }
    }

    // produces: a client that takes neither a page nor JSON is refused (406) before the action, which would otherwise
    // run and use the link up before Spring found it could not write the answer (found by a black-box check)
    @PostMapping(
            value = "/ballast/actions/{token}",
            produces = {MediaType.TEXT_HTML_VALUE, MediaType.APPLICATION_JSON_VALUE})
    ResponseEntity<?> perform(@PathVariable String token, HttpServletRequest request) {
        String actor;
        try {
            actor = actor(request);
        } catch (ActionException e) {
            return refuse(e, request);
        }
        try {
            ActionRecord record = actions.perform(token, actor);
            HttpStatus status = record.outcome() == ActionRecord.Outcome.DONE ? HttpStatus.OK : HttpStatus.CONFLICT;
            if (!wantsHtml(request) && record.outcome() != ActionRecord.Outcome.DONE) {
                return withoutToken(
                        AlertmanagerReceiver.problem(HttpStatus.CONFLICT, "ACTION_FAILED", record.result()));
            }
            return wantsHtml(request)
                    ? html(status, ActionPage.result(service, record, false))
                    : ResponseEntity.ok()
                            .contentType(MediaType.APPLICATION_JSON)
                            .body(record); // see show()
        } catch (ActionException e) {
            if (e.record() != null && wantsHtml(request)) {
                return html(HttpStatus.CONFLICT, ActionPage.result(service, e.record(), true));
            }
            return refuse(e, request);
        }
    }

    /** What a client that does not want HTML gets from a link's GET: what it does, and whether it was used. */
    private static Map<String, Object> describe(ActionService.Preview preview) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("operation", preview.token().operation());
        body.put("arguments", preview.token().arguments());
        body.put("description", preview.description());
        body.put("expiresAt", preview.token().expiresAt().toString());
        body.put("used", preview.earlier().isPresent());
        preview.earlier().ifPresent(earlier -> {
            body.put("outcome", earlier.outcome().name());
            body.put("actor", earlier.actor());
            body.put("requestedAt", earlier.requestedAt().toString());
            body.put("result", earlier.result());
        });
        return body;
    }

    private String actor(HttpServletRequest request) {
        Principal user = request.getUserPrincipal();
        if (SECURITY) {
            if (user == null || !request.isUserInRole(role)) {
                throw new ActionException(
                        ActionException.Reason.FORBIDDEN,
                        "Performing actions needs a signed-in user with role " + role);
            }
            return user.getName();
        }
        return user != null ? user.getName() : "anonymous@" + request.getRemoteAddr();
    }

    private ResponseEntity<?> refuse(ActionException e, HttpServletRequest request) {
        HttpStatus status = HttpStatus.valueOf(e.reason().status());
        if (wantsHtml(request)) {
            return html(status, ActionPage.refusal(service, status.getReasonPhrase(), e.getMessage()));
        }
        return withoutToken(AlertmanagerReceiver.problem(status, e.reason().code(), e.getMessage()));
    }

    /**
     * The problem with {@code instance} set to the actions' path without the token: the token is the capability to act,
     * and Spring MVC would otherwise fill in the request's path, so a client that logs error bodies would log it.
     */
    private static ResponseEntity<ProblemDetail> withoutToken(ResponseEntity<ProblemDetail> problem) {
        ProblemDetail body = problem.getBody();
        if (body != null) {
            body.setInstance(ACTIONS_PATH);
        }
        return problem;
    }

    private static ResponseEntity<String> html(HttpStatus status, String page) {
        return ResponseEntity.status(status)
                .contentType(new MediaType(MediaType.TEXT_HTML, java.nio.charset.StandardCharsets.UTF_8))
                .cacheControl(CacheControl.noStore())
                .header("X-Frame-Options", "DENY")
                .header("Referrer-Policy", "no-referrer")
                .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
                .body(page);
    }

    private static boolean wantsHtml(HttpServletRequest request) {
        String accept = request.getHeader("Accept");
        String type = request.getContentType();
        return (accept != null && accept.contains("text/html"))
                || (type != null && type.startsWith("application/x-www-form-urlencoded"));
    }

    private static ActionPage.@Nullable Csrf csrf(HttpServletRequest request) {
        Object token = request.getAttribute("_csrf");
        if (token == null) {
            return null;
        }
        BeanWrapperImpl bean = new BeanWrapperImpl(token);
        return new ActionPage.Csrf(
                String.valueOf(bean.getPropertyValue("parameterName")), String.valueOf(bean.getPropertyValue("token")));
    }
}
