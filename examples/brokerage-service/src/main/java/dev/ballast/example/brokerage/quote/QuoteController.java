package dev.ballast.example.brokerage.quote;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/quotes/{symbol}}. */
@RestController
class QuoteController {

    private final QuoteService quotes;

    QuoteController(QuoteService quotes) {
        this.quotes = quotes;
    }

    @GetMapping("/api/quotes/{symbol}")
    Quote quote(@PathVariable String symbol) throws InterruptedException {
        return quotes.quote(symbol);
    }
}
