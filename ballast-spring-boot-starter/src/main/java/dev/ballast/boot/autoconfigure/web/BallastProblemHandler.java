package dev.ballast.boot.autoconfigure.web;

import dev.ballast.boot.web.WebErrorCode;
import dev.ballast.cache.CacheLoadTimeoutException;
import dev.ballast.core.BallastException;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.core.ErrorCategory;
import dev.ballast.core.ExceptionClassifier;
import dev.ballast.core.KeyRejectedException;
import dev.ballast.core.PlannedUnavailability;
import dev.ballast.lock.LockAcquisitionException;
import dev.ballast.outbox.IdempotencyConflictException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.util.ClassUtils;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Turns every exception a controller lets through into RFC 9457 problem details ({@code application/problem+json})
 * with a {@code code} property:
 *
 * <ul>
 *   <li>{@link ClientException}: its status, code and message;
 *   <li>{@link IdempotencyConflictException}: 409 {@code IDEMPOTENCY_CONFLICT};
 *   <li>{@link LockAcquisitionException}: 409 {@code LOCK_BUSY} with {@code Retry-After};
 *   <li>{@link CacheLoadTimeoutException}: 503 {@code UNAVAILABLE} with {@code Retry-After};
 *   <li>a failure the {@link ExceptionClassifier} calls {@link ErrorCategory#INFRASTRUCTURE} (a database that is down,
 *       a connection lost in the middle of a transaction, a pool timeout): 503 {@code UNAVAILABLE} with {@code
 *       Retry-After} and an {@code incident}, generic like a 500;
 *   <li>Spring MVC's own exceptions (unreadable body, wrong method, unsupported media type, ...): their status, a
 *       {@link WebErrorCode} or the status name as code;
 *   <li>a {@link dev.ballast.core.ServerException} or anything unexpected: its status (500 if unknown) with the
 *       code's generic message only, never the exception's message or stack, and an {@code incident} reference that
 *       is also logged, so a caller can quote it.
 * </ul>
 *
 * <p>Ordered last: an application's own {@code @ControllerAdvice} handles what it declares first. Registered by {@link
 * BallastWebAutoConfiguration}; {@code ballast.web.problem-details.enabled=false} turns it off.
 */
@ControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class BallastProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(BallastProblemHandler.class);
    private static final String CODE = "code";
    private static final boolean JACKSON = ClassUtils.isPresent(
            "tools.jackson.databind.exc.UnrecognizedPropertyException", BallastProblemHandler.class.getClassLoader());

    private final String retryAfterSeconds;
    private final ExceptionClassifier classifier;
    private final StackTraceLimit stackTraces;

    /** A handler that sends {@code retryAfter} (rounded up to whole seconds, at least 1) with retryable answers. */
    public BallastProblemHandler(Duration retryAfter) {
        this(retryAfter, ExceptionClassifier.defaults());
    }

    /** As {@link #BallastProblemHandler(Duration)}, telling unavailable dependencies by {@code classifier}. */
    public BallastProblemHandler(Duration retryAfter, ExceptionClassifier classifier) {
        this(retryAfter, classifier, InstantSource.system());
    }

    /** As above, with the clock of the stack trace limit (tests move it). */
    BallastProblemHandler(Duration retryAfter, ExceptionClassifier classifier, InstantSource clock) {
        long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        this.retryAfterSeconds = Long.toString(seconds);
        this.classifier = classifier;
        this.stackTraces = new StackTraceLimit(clock);
    }

    /** Ballast's error model and the exceptions of its modules, also when wrapped in something else. */
    @ExceptionHandler({
        BallastException.class,
        IdempotencyConflictException.class,
        KeyRejectedException.class,
        LockAcquisitionException.class,
        CacheLoadTimeoutException.class
    })
    ResponseEntity<ProblemDetail> handleBallast(Exception exception) {
        return problem(exception);
    }

    /** Anything else that is not a Spring MVC exception: 500, generic. */
    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> handleUnexpected(Exception exception) {
        return problem(exception);
    }

    /**
     * The problem for {@code failure}, as this handler answers it (logged with an incident when it is the server's);
     * also used for failures that reach the container's error page and by Ballast's own controllers that answer
     * browsers with a page.
     */
    public ResponseEntity<ProblemDetail> problem(Throwable failure) {
        Throwable known = known(failure);
        HttpHeaders headers = new HttpHeaders();
        ProblemDetail problem;
        if (RequestEdgeFilter.exceeded(failure)) {
            problem = problem(
                    413,
                    WebErrorCode.PAYLOAD_TOO_LARGE.code(),
                    "the request body exceeds the limit of " + RequestEdgeFilter.limitOf(failure) + " bytes");
        } else if (known instanceof ClientException client) {
            problem = problem(client.httpStatus(), client.errorCode().code(), client.getMessage());
        } else if (known instanceof BallastException server) {
            problem = serverProblem(
                    failure,
                    server.httpStatus(),
                    server.errorCode().code(),
                    server.errorCode().message());
        } else if (known instanceof KeyRejectedException rejected) {
            problem = problem(400, WebErrorCode.INVALID_KEY.code(), rejected.getMessage());
        } else if (known instanceof IdempotencyConflictException) {
            problem = problem(
                    409,
                    WebErrorCode.IDEMPOTENCY_CONFLICT.code(),
                    WebErrorCode.IDEMPOTENCY_CONFLICT.message() + "; nothing was written");
        } else if (known instanceof LockAcquisitionException) {
            problem = problem(409, WebErrorCode.LOCK_BUSY.code(), WebErrorCode.LOCK_BUSY.message());
            headers.set(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
        } else if (known instanceof CacheLoadTimeoutException) {
            problem = problem(503, CommonErrorCode.UNAVAILABLE.code(), CommonErrorCode.UNAVAILABLE.message());
            headers.set(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
        } else if (unreadableBody(failure)) {
            // the client's body could not be read (a broken chunk, say): its I/O cause made it look like an outage,
            // answered 503 with Retry-After and logged as an ERROR incident (found by a black-box check)
            problem = problem(400, WebErrorCode.MALFORMED_REQUEST.code(), "the request body could not be read as sent");
        } else if (classifier.classify(failure) == ErrorCategory.INFRASTRUCTURE) {
            problem = serverProblem(
                    failure, 503, CommonErrorCode.UNAVAILABLE.code(), CommonErrorCode.UNAVAILABLE.message());
            headers.set(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
        } else {
            problem = serverProblem(
                    failure, 500, CommonErrorCode.INTERNAL_ERROR.code(), CommonErrorCode.INTERNAL_ERROR.message());
        }
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return new ResponseEntity<>(problem, headers, HttpStatusCode.valueOf(problem.getStatus()));
    }

    /**
     * Adds a {@code code} to the problems Spring MVC's own exceptions produce, and their {@code instance} (which Spring
     * would fill in with the path as sent) as {@link Problems#instance}: a method or path an action link does not take
     * never echoes the link's token.
     */
    @Override
    protected @Nullable ResponseEntity<Object> handleExceptionInternal(
            Exception exception,
            @Nullable Object body,
            HttpHeaders headers,
            HttpStatusCode statusCode,
            WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(exception, body, headers, statusCode, request);
        if (response != null
                && response.getBody() instanceof ProblemDetail problem
                && (problem.getProperties() == null || !problem.getProperties().containsKey(CODE))) {
            problem.setProperty(CODE, Problems.codeFor(problem.getStatus()));
        }
        if (response != null
                && response.getBody() instanceof ProblemDetail problem
                && problem.getInstance() == null
                && request instanceof ServletWebRequest servlet) {
            problem.setInstance(Problems.instance(servlet.getRequest().getRequestURI()));
        }
        return response;
    }

    /** No handler and no resource at the path: 404 with the container's generic text, not Spring's internals. */
    @Override
    protected @Nullable ResponseEntity<Object> handleNoResourceFoundException(
            NoResourceFoundException exception, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ProblemDetail problem = problem(404, CommonErrorCode.NOT_FOUND.code(), Problems.containerDetail(404, null));
        return handleExceptionInternal(exception, problem, headers, status, request);
    }

    /**
     * A body in a media type the endpoint does not read (415). When the request named none, Spring's own detail reads
     * "Content-Type 'null'" (an endpoint that {@code consumes} a type) or "'application/octet-stream'" (a body read
     * by the message converters); this one says the header is missing and what the endpoint takes.
     */
    @Override
    protected @Nullable ResponseEntity<Object> handleHttpMediaTypeNotSupported(
            HttpMediaTypeNotSupportedException exception,
            HttpHeaders headers,
            HttpStatusCode status,
            WebRequest request) {
        if (request.getHeader(HttpHeaders.CONTENT_TYPE) != null) {
            return super.handleHttpMediaTypeNotSupported(exception, headers, status, request);
        }
        List<MediaType> supported = exception.getSupportedMediaTypes();
        String takes = supported.isEmpty() ? "" : "; this endpoint takes " + MediaType.toString(supported);
        ProblemDetail problem = problem(
                415,
                Problems.codeFor(415),
                (hasBody(request) ? "the request has a body but no Content-Type header" : "the request has no body")
                        + takes);
        if (!supported.isEmpty()) {
            headers.setAccept(supported);
        }
        return handleExceptionInternal(exception, problem, headers, status, request);
    }

    /** Whether the request says it carries a body: a positive Content-Length, or a Transfer-Encoding (chunked). */
    private static boolean hasBody(WebRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
            return true;
        }
        try {
            return length != null && Long.parseLong(length.trim()) > 0;
        } catch (NumberFormatException e) {
            return true; // a length that is not a number: there is something, and it is not described
        }
    }

    /** An unreadable body: too large (413), unknown field, malformed JSON, or missing, each with its own code. */
    @Override
    protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException exception, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        if (RequestEdgeFilter.exceeded(exception)) {
            ProblemDetail problem = problem(
                    413,
                    WebErrorCode.PAYLOAD_TOO_LARGE.code(),
                    "the request body exceeds the limit of " + RequestEdgeFilter.limitOf(exception) + " bytes");
            return handleExceptionInternal(exception, problem, headers, HttpStatusCode.valueOf(413), request);
        }
        JacksonFailures.Described described = JACKSON ? JacksonFailures.describe(exception) : null;
        ProblemDetail problem = described != null
                ? problem(400, described.code().code(), described.detail())
                : problem(
                        400,
                        WebErrorCode.MALFORMED_JSON.code(),
                        exception.getMessage() != null && exception.getMessage().startsWith("Required request body")
                                ? "a request body is required"
                                : WebErrorCode.MALFORMED_JSON.message());
        return handleExceptionInternal(exception, problem, headers, status, request);
    }

    private static ProblemDetail problem(int status, String code, @Nullable String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(status), detail);
        problem.setTitle(Problems.title(status));
        problem.setProperty(CODE, code);
        return problem;
    }

    /**
     * A 5xx: the code's generic message and an incident reference, logged once. A failure a Ballast task let through
     * was logged with its stack trace by the executor, so this logs one line naming that task (at INFO for a 503, an
     * outage's retryable answer; at ERROR otherwise). Anything else is logged here at ERROR with its stack trace, for
     * at most {@link StackTraceLimit#LINES} failures of one exception class in each 10 s; beyond that each one still
     * gets its incident line, without the stack trace, at INFO for a 503 and at ERROR otherwise, and the next line
     * with a stack trace says how many went without. A 503 for a {@link PlannedUnavailability} (a caller refused while
     * locks move to the fallback) gets its incident line at INFO without the stack trace: the switch is logged on its own.
     */
    private ProblemDetail serverProblem(Throwable failure, int status, String code, String message) {
        String incident = Problems.newIncident();
        ProblemDetail problem =
                problem(status, code, message + "; quote incident " + incident + " when reporting this");
        problem.setProperty(Problems.INCIDENT, incident);
        RequestAttributes request = RequestContextHolder.getRequestAttributes();
        FailedTaskRecorder.FailedTask task = request == null ? null : FailedTaskRecorder.of(request, failure);
        if (task != null) {
            // a 503 answers an outage the task logged (rate-limited, with its stack trace; a pool timeout at WARN
            // without it, once per window): one line per request at
            // INFO keeps each incident findable without a second ERROR per request; anything else stays ERROR
            (status == 503 ? log.atInfo() : log.atError())
                    .addKeyValue(Problems.INCIDENT, incident)
                    .log(
                            "Incident {}: answered {} {} for a failure of task {}.{} ({}, logged by the task)",
                            incident,
                            status,
                            code,
                            task.context().domain(),
                            task.context().task(),
                            failure.getClass().getName());
        } else if (status == 503 && PlannedUnavailability.foundIn(failure)) {
            // a caller refused inside a planned switch (locks moving to the database): the switch has its own lines
            log.atInfo()
                    .addKeyValue(Problems.INCIDENT, incident)
                    .log(
                            "Incident {}: answered {} {} for a planned unavailability: {}{}",
                            incident,
                            status,
                            code,
                            failure.getClass().getName(),
                            rootCause(failure));
        } else {
            long withoutTrace = stackTraces.admit(failure.getClass());
            if (withoutTrace >= 0) {
                log.atError()
                        .addKeyValue(Problems.INCIDENT, incident)
                        .setCause(failure)
                        .log(
                                "Incident {}: answered {} {} for an unhandled {}{}{}",
                                incident,
                                status,
                                code,
                                failure.getClass().getName(),
                                rootCause(failure),
                                withoutTrace == 0
                                        ? ""
                                        : " (" + withoutTrace + " more logged without a stack trace since the last)");
            } else {
                (status == 503 ? log.atInfo() : log.atError())
                        .addKeyValue(Problems.INCIDENT, incident)
                        .log(
                                "Incident {}: answered {} {} for an unhandled {}{} (stack trace left out: more than {}"
                                        + " of this class in 10 s)",
                                incident,
                                status,
                                code,
                                failure.getClass().getName(),
                                rootCause(failure),
                                StackTraceLimit.LINES);
            }
        }
        return problem;
    }

    /**
     * " caused by " and the class of the innermost cause when it is another exception (a wrapper's reason: a pool or
     * SQL timeout behind an {@code IllegalStateException}), else nothing; the class only, as the rest of the line.
     */
    static String rootCause(Throwable failure) {
        Throwable root = failure;
        for (int depth = 0; depth < 16 && root.getCause() != null && root.getCause() != root; depth++) {
            root = root.getCause();
        }
        return root == failure ? "" : " caused by " + root.getClass().getName();
    }

    /** Whether Spring could not read the request's body (the client's doing), anywhere in the cause chain. */
    private static boolean unreadableBody(Throwable failure) {
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 16; depth++) {
            if (current instanceof HttpMessageNotReadableException) {
                return true;
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        return false;
    }

    /** The first exception in the cause chain this handler knows, else {@code failure} itself. */
    private static Throwable known(Throwable failure) {
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 16; depth++) {
            if (current instanceof BallastException
                    || current instanceof IdempotencyConflictException
                    || current instanceof KeyRejectedException
                    || current instanceof LockAcquisitionException
                    || current instanceof CacheLoadTimeoutException) {
                return current;
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        return failure;
    }
}
