package dev.ballast.example.brokerage.quote;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The HTTP market-data upstream, only when {@code brokerage.marketdata.url} is set (see {@link HttpMarketData} and the
 * README). Its bulkhead is the executor bean {@value #BULKHEAD}, in Micrometer's {@code executor.*} meters under that
 * name, so Ballast's pool saturation rule watches it and its "Raise the pool" action ({@code executor.resize}) can
 * find it. The bean is no default candidate: it does not count as the application's executor, so Spring Boot keeps its
 * own {@code applicationTaskExecutor}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("brokerage.marketdata.url")
class MarketDataHttpConfiguration {

    /** The bulkhead's bean name, and its {@code name} tag in the {@code executor.*} meters. */
    static final String BULKHEAD = "marketDataBulkhead";

    @Bean(name = BULKHEAD, destroyMethod = "shutdownNow", defaultCandidate = false)
    ThreadPoolExecutor marketDataBulkhead(
            @Value("${brokerage.marketdata.bulkhead-threads:4}") int threads,
            @Value("${brokerage.marketdata.bulkhead-queue:8}") int queue,
            MeterRegistry registry) {
        if (threads < 1) {
            throw new IllegalArgumentException(
                    "brokerage.marketdata.bulkhead-threads must be at least 1, was " + threads);
        }
        if (queue < 1) {
            throw new IllegalArgumentException("brokerage.marketdata.bulkhead-queue must be at least 1, was " + queue);
        }
        AtomicInteger number = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, "marketdata-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        // core = max: the pool holds its threads; the resize action raises the maximum, used once the queue is full
        ThreadPoolExecutor bulkhead = new ThreadPoolExecutor(
                threads,
                threads,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queue),
                factory,
                new ThreadPoolExecutor.AbortPolicy());
        new ExecutorServiceMetrics(bulkhead, BULKHEAD, List.of()).bindTo(registry);
        return bulkhead;
    }

    @Bean(destroyMethod = "close")
    HttpMarketData httpMarketData(
            @Value("${brokerage.marketdata.url}") String url,
            @Value("${brokerage.marketdata.connect-timeout:500ms}") Duration connectTimeout,
            @Value("${brokerage.marketdata.request-timeout:2s}") Duration requestTimeout,
            @Value("${brokerage.marketdata.failure-backoff:1s}") Duration failureBackoff,
            @Value("${brokerage.marketdata.retries-per-second:1}") double retriesPerSecond,
            @Qualifier(BULKHEAD) ThreadPoolExecutor bulkhead,
            MeterRegistry registry) {
        positive("connect-timeout", connectTimeout);
        positive("request-timeout", requestTimeout);
        if (failureBackoff.isNegative()) {
            throw new IllegalArgumentException(
                    "brokerage.marketdata.failure-backoff must not be negative, was " + failureBackoff);
        }
        if (!(retriesPerSecond >= 0)) {
            throw new IllegalArgumentException(
                    "brokerage.marketdata.retries-per-second must not be negative, was " + retriesPerSecond);
        }
        return new HttpMarketData(
                upstream(url),
                connectTimeout,
                requestTimeout,
                failureBackoff,
                new HttpMarketData.RetryBudget(retriesPerSecond, System::nanoTime),
                bulkhead,
                MarketDataUpstream.calls(registry),
                System::nanoTime);
    }

    private static URI upstream(String url) {
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("brokerage.marketdata.url must be an http(s) URL, was '" + url + "'", e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("brokerage.marketdata.url must be an http(s) URL, was '" + url + "'");
        }
        return uri;
    }

    private static void positive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("brokerage.marketdata." + name + " must be positive, was " + value);
        }
    }
}
