package dev.ballast.example.brokerage.order;

import dev.ballast.boot.Task;
import dev.ballast.boot.outbox.TransactionalOutbox;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import dev.ballast.example.brokerage.idempotency.IdempotencyKeys;
import dev.ballast.example.brokerage.instrument.InstrumentCatalog;
import dev.ballast.outbox.Appended;
import dev.ballast.outbox.CommandOutcome;
import dev.ballast.outbox.IdempotencyConflictException;
import dev.ballast.outbox.OutboxEvent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Places orders: the order row and its {@code OrderPlaced} event are written in one transaction, the event through the
 * outbox, and only for an Idempotency-Key not seen before (claimed first in the same transaction); the order id is
 * derived from the key, so a retried or racing request with the same key and body gets the first order and writes
 * nothing. With {@code brokerage.orders.accepted-event} the order's aggregate gets a second event in the same
 * transaction, {@code OrderAccepted} (sequence 2, after {@code OrderPlaced}), for consumers that follow an order's
 * life: they must see it after {@code OrderPlaced}, never before. The HTTP answer is the same either way.
 */
@Service
public class OrderService {

    /** The form of the order ids this service hands out ({@link UUID#nameUUIDFromBytes}, lower case). */
    private static final Pattern ORDER_ID =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private static final Pattern ACCOUNT_ID = Pattern.compile("A-[1-9][0-9]{0,8}");
    private static final Pattern SYMBOL = Pattern.compile("[A-Z0-9.]{1,12}");
    private static final Set<String> SIDES = Set.of("BUY", "SELL");
    private static final BigDecimal MAX_QUANTITY = BigDecimal.valueOf(1_000_000);
    private static final BigDecimal MAX_PRICE = new BigDecimal("100000000.00");

    private final OrderRepository orders;
    private final TransactionalOutbox outbox;
    private final JdbcClient jdbc;
    private final InstrumentCatalog instruments;
    private final boolean acceptedEvent;
    private final JsonMapper json = JsonMapper.builder().build();

    OrderService(
            OrderRepository orders,
            TransactionalOutbox outbox,
            JdbcClient jdbc,
            InstrumentCatalog instruments,
            @Value("${brokerage.orders.accepted-event:false}") boolean acceptedEvent) {
        this.orders = orders;
        this.outbox = outbox;
        this.jdbc = jdbc;
        this.instruments = instruments;
        this.acceptedEvent = acceptedEvent;
    }

    /** The result of placing: the order, and whether this call created it. */
    public record Placed(Order order, boolean created) {}

    /**
     * Places the order once per Idempotency-Key: the key is claimed first ({@link TransactionalOutbox#executeOnce}),
     * and only a new key writes the order and appends its event; a repeat gets the first order back and writes nothing,
     * also when it races the first on another instance; the key with another order is 409. A repeat that comes after
     * the key's request id was deleted ({@code ballast.outbox.relay.request-retention}) is recognised by the order
     * itself, whose id is derived from the key: the same order is answered as a repeat, another one is 409, and
     * nothing is written either way (before, it ran as a new command and its insert failed on the order's key: 500).
     */
    @Task(domain = "Order", task = "Place", id = "#idempotencyKey") // the order id is derived from it; logs name it
    @Transactional
    public Placed place(@Nullable String idempotencyKey, @Nullable OrderRequest request) {
        String key = IdempotencyKeys.require(idempotencyKey);
        Order order = validate(key, request);
        String requestId = IdempotencyKeys.requestId("order", key);
        Optional<Order> placedBefore = orders.find(order.orderId());
        if (placedBefore.isPresent()) {
            if (!samePlacement(placedBefore.get(), order)) {
                throw new IdempotencyConflictException(requestId);
            }
            return new Placed(placedBefore.get(), false);
        }
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("orderId", order.orderId());
        payload.put("accountId", order.accountId());
        payload.put("symbol", order.symbol());
        payload.put("side", order.side());
        payload.put("quantity", order.quantity());
        payload.put("price", order.price());
        byte[] body = json.writeValueAsString(payload).getBytes(StandardCharsets.UTF_8);
        CommandOutcome outcome = outbox.executeOnce(requestId, body, () -> {
            Appended appended = outbox.append(OutboxEvent.of(requestId, "Order", order.orderId(), "OrderPlaced", body)
                    .withHeader("accountId", order.accountId()));
            orders.insert(order, key, appended.eventId());
            if (acceptedEvent) {
                // a request id of its own: the outbox stores one event per request id
                outbox.append(OutboxEvent.of(
                                IdempotencyKeys.requestId("order-accepted", key),
                                "Order",
                                order.orderId(),
                                "OrderAccepted",
                                accepted(order))
                        .withHeader("accountId", order.accountId()));
            }
            return json.writeValueAsString(order);
        });
        if (outcome.repeated()) {
            return new Placed(json.readValue(outcome.outcome(), Order.class), false);
        }
        return new Placed(order, true);
    }

    /** Whether two orders of one key are the same request: account, symbol, side, quantity and price. */
    private static boolean samePlacement(Order stored, Order requested) {
        return stored.accountId().equals(requested.accountId())
                && stored.symbol().equals(requested.symbol())
                && stored.side().equals(requested.side())
                && stored.quantity() == requested.quantity()
                && stored.price().equals(requested.price());
    }

    /** {@code OrderAccepted}'s payload: the order and its notional (quantity times price). */
    private byte[] accepted(Order order) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("orderId", order.orderId());
        payload.put("accountId", order.accountId());
        payload.put(
                "notional",
                new BigDecimal(order.price())
                        .multiply(BigDecimal.valueOf(order.quantity()))
                        .toPlainString());
        return json.writeValueAsString(payload).getBytes(StandardCharsets.UTF_8);
    }

    @Task(domain = "Order", task = "Read", id = "#orderId")
    public Order find(String orderId) {
        if (!ORDER_ID.matcher(orderId).matches()) {
            // not an id this service hands out: no query, and the answer does not repeat it (any length, any character)
            throw new ClientException(CommonErrorCode.NOT_FOUND, "no such order: order ids are UUIDs");
        }
        return orders.find(orderId)
                .orElseThrow(() -> new ClientException(CommonErrorCode.NOT_FOUND, "no order " + orderId));
    }

    private Order validate(String key, @Nullable OrderRequest request) {
        if (request == null) {
            throw invalid("a JSON body is required");
        }
        String accountId = request.accountId();
        if (accountId == null || !ACCOUNT_ID.matcher(accountId).matches() || !accountExists(accountId)) {
            throw invalid("accountId must name an existing account");
        }
        if (request.symbol() == null || !SYMBOL.matcher(request.symbol()).matches()) {
            throw invalid("symbol must be 1 to 12 of A-Z, 0-9 and '.'");
        }
        if (!instruments.lists(request.symbol())) {
            throw invalid("symbol " + request.symbol() + " is not in the instrument catalog");
        }
        if (request.side() == null || !SIDES.contains(request.side())) {
            throw invalid("side must be BUY or SELL");
        }
        BigDecimal quantity = request.quantity();
        if (quantity == null
                || quantity.signum() <= 0
                || quantity.stripTrailingZeros().scale() > 0
                || quantity.compareTo(MAX_QUANTITY) > 0) {
            throw invalid("quantity must be a whole number from 1 to " + MAX_QUANTITY);
        }
        BigDecimal price = request.price();
        if (price == null
                || price.signum() <= 0
                || price.stripTrailingZeros().scale() > 2
                || price.compareTo(MAX_PRICE) > 0) {
            throw invalid("price must be positive, with at most two decimals, up to " + MAX_PRICE);
        }
        String orderId = UUID.nameUUIDFromBytes(("order:" + key).getBytes(StandardCharsets.UTF_8))
                .toString();
        return new Order(
                orderId,
                accountId,
                request.symbol(),
                request.side(),
                quantity.longValueExact(),
                price.setScale(2).toPlainString(),
                "PLACED");
    }

    private boolean accountExists(String accountId) {
        return jdbc.sql("SELECT COUNT(*) FROM account WHERE account_id = ?")
                        .param(accountId)
                        .query(Long.class)
                        .single()
                > 0;
    }

    private static ClientException invalid(String detail) {
        return new ClientException(CommonErrorCode.INVALID_INPUT, detail);
    }
}
