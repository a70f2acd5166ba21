package dev.ballast.boot.autoconfigure.web;

import dev.ballast.boot.web.WebErrorCode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Rejects, before any controller runs, what must not reach one: a path with parameters ({@code /accounts/A-1;x=1}, which
 * Spring MVC would otherwise match as {@code /accounts/A-1}) is 400 {@code MALFORMED_REQUEST}; a body longer than the
 * limit is 413 {@code PAYLOAD_TOO_LARGE}, at once when its length is declared, else when the application reads past the
 * limit (the read fails and {@link BallastProblemHandler} answers 413). And after the application: a 4xx it answered
 * with no body at all (an actuator endpoint's 404 for {@code /actuator/health/nope}, a handler that only set a status)
 * gets the problem for its status, so no client error is an empty page.
 */
final class RequestEdgeFilter extends OncePerRequestFilter {

    private final boolean rejectPathParameters;
    private final long maxBody;

    /** {@code maxBody} below 0: no limit. */
    RequestEdgeFilter(boolean rejectPathParameters, long maxBody) {
        this.rejectPathParameters = rejectPathParameters;
        this.maxBody = maxBody;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (rejectPathParameters && request.getRequestURI().indexOf(';') >= 0) {
            reject(
                    request,
                    response,
                    400,
                    WebErrorCode.MALFORMED_REQUEST.code(),
                    "path parameters (';' in the path) are not accepted");
            return;
        }
        long declared = request.getContentLengthLong();
        if (maxBody >= 0 && declared > maxBody) {
            reject(
                    request,
                    response,
                    413,
                    WebErrorCode.PAYLOAD_TOO_LARGE.code(),
                    "the request body exceeds the limit of " + maxBody + " bytes");
            return;
        }
        // a body of undeclared length (chunked) is counted as it is read
        HttpServletRequest counted = maxBody >= 0 && declared < 0 ? new Limited(request, maxBody) : request;
        Tracked tracked = new Tracked(response);
        chain.doFilter(counted, tracked);
        answerEmpty(request, tracked);
    }

    /** A 4xx the application left without a body (nothing written, no error dispatch, not committed): its problem. */
    private static void answerEmpty(HttpServletRequest request, Tracked response) throws IOException {
        int status = response.getStatus();
        if (status < 400
                || status > 499
                || response.bodyStarted
                || response.errorSent
                || response.isCommitted()
                || request.isAsyncStarted()) {
            return;
        }
        reject(request, response, status, Problems.codeFor(status), Problems.containerDetail(status, null));
    }

    private static void reject(
            HttpServletRequest request, HttpServletResponse response, int status, String code, String detail)
            throws IOException {
        response.setStatus(status);
        // the instance is the request's path as sent (Tomcat has already refused one that is not a valid URI path)
        URI instance = Problems.instance(request.getRequestURI());
        byte[] body = Problems.json(status, code, detail, instance == null ? null : instance.toString(), null)
                .getBytes(StandardCharsets.UTF_8);
        response.setContentType("application/problem+json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** Notes whether the application started a body or sent an error (which the container answers). */
    private static final class Tracked extends HttpServletResponseWrapper {
        boolean bodyStarted;
        boolean errorSent;

        Tracked(HttpServletResponse response) {
            super(response);
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            bodyStarted = true;
            return super.getOutputStream();
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            bodyStarted = true;
            return super.getWriter();
        }

        @Override
        public void sendError(int status, String message) throws IOException {
            errorSent = true;
            super.sendError(status, message);
        }

        @Override
        public void sendError(int status) throws IOException {
            errorSent = true;
            super.sendError(status);
        }
    }

    /** The body went past the limit while being read. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;
        final long limit;

        TooLarge(long limit) {
            super("The request body exceeds the limit of " + limit + " bytes");
            this.limit = limit;
        }
    }

    /** Whether {@code failure} or one of its causes is a body over the limit. */
    static boolean exceeded(Throwable failure) {
        return tooLarge(failure) != null;
    }

    /** The limit that {@code failure} reports, or -1. */
    static long limitOf(Throwable failure) {
        TooLarge tooLarge = tooLarge(failure);
        return tooLarge == null ? -1 : tooLarge.limit;
    }

    private static @Nullable TooLarge tooLarge(Throwable failure) {
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 16; depth++) {
            if (current instanceof TooLarge tooLarge) {
                return tooLarge;
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        return null;
    }

    /** A request whose body stream fails with {@link TooLarge} past {@code limit} bytes. */
    private static final class Limited extends HttpServletRequestWrapper {
        private final long limit;
        private @Nullable ServletInputStream stream;

        Limited(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new Counting(super.getInputStream(), limit);
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            String encoding = getCharacterEncoding();
            return new BufferedReader(new InputStreamReader(
                    getInputStream(),
                    encoding == null ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(encoding)));
        }
    }

    private static final class Counting extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private long read;

        Counting(ServletInputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws TooLarge {
            read += n;
            if (read > limit) {
                throw new TooLarge(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
