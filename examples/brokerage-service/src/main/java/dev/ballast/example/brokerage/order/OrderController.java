package dev.ballast.example.brokerage.order;

import dev.ballast.example.brokerage.idempotency.IdempotencyKeys;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/orders}: 201 for a new order, 200 for a repeated Idempotency-Key, 400/404/409 as problem details; 406
 * before anything is written for a client that does not accept JSON.
 */
@RestController
@RequestMapping("/api/orders")
class OrderController {

    private final OrderService service;

    OrderController(OrderService service) {
        this.service = service;
    }

    // produces: a client that does not accept JSON is refused (406) before the order is placed, not after
    @PostMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Order> place(
            HttpServletRequest http, @RequestBody(required = false) @Nullable OrderRequest request) {
        OrderService.Placed placed = service.place(IdempotencyKeys.header(http), request);
        if (placed.created()) {
            return ResponseEntity.created(
                            URI.create("/api/orders/" + placed.order().orderId()))
                    .body(placed.order());
        }
        return ResponseEntity.ok(placed.order());
    }

    @GetMapping("/{orderId}")
    Order get(@PathVariable String orderId) {
        return service.find(orderId);
    }
}
