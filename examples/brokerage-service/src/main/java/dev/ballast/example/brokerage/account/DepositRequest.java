package dev.ballast.example.brokerage.account;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * Body of {@code POST /api/accounts/{id}/deposits}.
 *
 * @param amount positive, at most two decimal places; a JSON string ({@code "10.00"}) or number
 */
public record DepositRequest(@Nullable BigDecimal amount) {}
