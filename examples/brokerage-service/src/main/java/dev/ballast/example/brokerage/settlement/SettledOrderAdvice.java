package dev.ballast.example.brokerage.settlement;

import dev.ballast.example.brokerage.order.Order;
import org.jspecify.annotations.Nullable;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Adds {@code "settled": true|false} to an order read with GET: true once the settlement consumer booked it (the
 * response to placing an order is unchanged).
 * Kept beside the consumer so the orders API itself stays unaware of settlement.
 */
@RestControllerAdvice
class SettledOrderAdvice implements ResponseBodyAdvice<Object> {

    private final JdbcClient jdbc;
    private final JsonMapper json = JsonMapper.builder().build();

    SettledOrderAdvice(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public @Nullable Object beforeBodyWrite(
            @Nullable Object body,
            MethodParameter returnType,
            MediaType selectedContentType,
            Class<? extends HttpMessageConverter<?>> selectedConverterType,
            ServerHttpRequest request,
            ServerHttpResponse response) {
        if (!(body instanceof Order order) || !HttpMethod.GET.equals(request.getMethod())) {
            return body;
        }
        ObjectNode view = json.valueToTree(order);
        view.put("settled", settled(order.orderId()));
        return view;
    }

    private boolean settled(String orderId) {
        return jdbc.sql("SELECT COUNT(*) FROM settlement WHERE order_id = ?")
                        .param(orderId)
                        .query(Long.class)
                        .single()
                > 0;
    }
}
