package dev.ballast.example.adoption;

import dev.ballast.boot.DistributedLock;
import dev.ballast.boot.Task;
import dev.ballast.boot.outbox.TransactionalOutbox;
import dev.ballast.outbox.OutboxEvent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** What a team writes on its first day with Ballast. */
@Service
public class TradeService {

    private final JdbcClient jdbc;
    private final TransactionalOutbox outbox;
    private final AtomicInteger priceLookups = new AtomicInteger();

    public TradeService(JdbcClient jdbc, TransactionalOutbox outbox) {
        this.jdbc = jdbc;
        this.outbox = outbox;
    }

    /** A quote through the Ballast cache {@code prices}. */
    @Cacheable(cacheNames = "prices", sync = true)
    public BigDecimal price(String symbol) {
        priceLookups.incrementAndGet();
        return new BigDecimal("100.00").add(BigDecimal.valueOf(symbol.length()));
    }

    /** How often {@link #price} really ran. */
    public int priceLookups() {
        return priceLookups.get();
    }

    /** A trade and its {@code TradeBooked} event in one transaction, under the account's lock. */
    @Task(domain = "Trade", task = "Book", id = "#tradeId")
    @DistributedLock(key = "'account:' + #accountId", waitTime = "2s")
    @Transactional
    public void book(String tradeId, String accountId, BigDecimal amount) {
        jdbc.sql("INSERT INTO trade (trade_id, account_id, amount) VALUES (?, ?, ?)")
                .params(tradeId, accountId, amount)
                .update();
        byte[] payload = ("{\"tradeId\":\"" + tradeId + "\"}").getBytes(StandardCharsets.UTF_8);
        outbox.append(OutboxEvent.of("trade:" + tradeId, "Account", accountId, "TradeBooked", payload));
    }
}
