package dev.ballast.boot.autoconfigure.actuate;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * RFC 9457 problem details with a {@code code}, as Ballast's actuator endpoints answer a request they refuse: with the
 * media type {@code application/problem+json} (not the actuator's own) and an upper-case code, as every other failed
 * request of the service is answered.
 */
final class Problems {

    private Problems() {}

    static WebEndpointResponse<Map<String, Object>> of(int status, String code, @Nullable String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        // the fields and their order as Spring MVC writes its problems (type left out: RFC 9457 reads about:blank)
        body.put("detail", detail == null ? "" : detail);
        body.put("status", status);
        body.put("title", HttpStatus.valueOf(status).getReasonPhrase());
        body.put("code", code);
        return new WebEndpointResponse<>(body, status, MediaType.APPLICATION_PROBLEM_JSON);
    }
}
