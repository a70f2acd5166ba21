package dev.ballast.example.brokerage.order;

import java.math.BigDecimal;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Orders in table {@code orders}. */
@Repository
class OrderRepository {

    private final JdbcClient jdbc;

    OrderRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(Order order, String idempotencyKey, String eventId) {
        jdbc.sql("INSERT INTO orders (order_id, idempotency_key, account_id, symbol, side, quantity, price, status,"
                        + " event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(
                        order.orderId(),
                        idempotencyKey,
                        order.accountId(),
                        order.symbol(),
                        order.side(),
                        order.quantity(),
                        new BigDecimal(order.price()),
                        order.status(),
                        eventId)
                .update();
    }

    Optional<Order> find(String orderId) {
        return jdbc.sql("SELECT order_id, account_id, symbol, side, quantity, price, status FROM orders"
                        + " WHERE order_id = ?")
                .param(orderId)
                .query((row, index) -> new Order(
                        row.getString(1),
                        row.getString(2),
                        row.getString(3),
                        row.getString(4),
                        row.getLong(5),
                        row.getBigDecimal(6).setScale(2).toPlainString(),
                        row.getString(7)))
                .optional();
    }
}
