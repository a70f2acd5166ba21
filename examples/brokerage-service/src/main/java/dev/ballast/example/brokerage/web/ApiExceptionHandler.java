package dev.ballast.example.brokerage.web;

import dev.ballast.core.BallastException;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.outbox.IdempotencyConflictException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Maps Ballast's error model to RFC 9457 problem details: status from the {@link dev.ballast.core.ErrorCode}, its code
 * as property {@code code}. Client errors show their detail; server errors show only the code's generic message, never
 * internals.
 */
@RestControllerAdvice
class ApiExceptionHandler {

    @ExceptionHandler(BallastException.class)
    ProblemDetail handle(BallastException e) {
        HttpStatus status = HttpStatus.valueOf(e.httpStatus());
        String detail =
                e instanceof ClientException ? e.getMessage() : e.errorCode().message();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setProperty("code", e.errorCode().code());
        return problem;
    }

    /** An Idempotency-Key reused with a different request: 409, nothing written. */
    @ExceptionHandler(IdempotencyConflictException.class)
    ProblemDetail handle(IdempotencyConflictException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.CONFLICT, "the Idempotency-Key was already used for a different request");
        problem.setProperty("code", CommonErrorCode.CONFLICT.code());
        return problem;
    }
}
