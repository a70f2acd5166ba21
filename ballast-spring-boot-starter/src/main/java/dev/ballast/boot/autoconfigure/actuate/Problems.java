package dev.ballast.boot.autoconfigure.actuate;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.http.HttpStatus;

/** RFC 9457 problem details with a {@code code}, as Ballast's endpoints answer a request they refuse. */
final class Problems {

    private Problems() {}

    static WebEndpointResponse<Map<String, Object>> of(int status, String code, @Nullable String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", HttpStatus.valueOf(status).getReasonPhrase());
        body.put("status", status);
        body.put("detail", detail == null ? "" : detail);
        body.put("code", code);
        return new WebEndpointResponse<>(body, status);
    }
}
