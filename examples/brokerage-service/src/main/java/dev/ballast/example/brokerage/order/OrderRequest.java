package dev.ballast.example.brokerage.order;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/** Body of {@code POST /api/orders}; every field is checked by {@link OrderService}. */
record OrderRequest(
        @Nullable String accountId,
        @Nullable String symbol,
        @Nullable String side,
        @Nullable BigDecimal quantity,
        @Nullable BigDecimal price) {}
