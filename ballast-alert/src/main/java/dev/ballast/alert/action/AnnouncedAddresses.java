package dev.ballast.alert.action;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each instance answers action links, as the instances announced it in the {@link ActionLedger} they share
 * ({@link ActionLedger#announce}), for {@link ActionSigner}: a copy read by {@link #refresh} and read again in the
 * background when a look-up finds it older than {@code maxAge}. A look-up of a name the copy does not hold (an
 * instance started since) reads it again at once, unless a read started less than a second ago, and waits at most
 * 250 ms for that read (so with the database down, look-ups wait at most a quarter of the time); otherwise a look-up
 * answers from the copy and never waits for the database. Empty for an instance the
 * copy does not hold, and the signer then uses its own address. Only addresses that can be a base URL ({@link
 * ActionSigner#isBaseUrl}) are kept.
 * Thread-safe.
 */
public final class AnnouncedAddresses implements Function<String, Optional<URI>> {

    private static final Logger log = LoggerFactory.getLogger(AnnouncedAddresses.class);
    private static final Duration MISS_REREAD = Duration.ofSeconds(1);
    private static final long MISS_WAIT_MILLIS = 250;

    private final ActionLedger ledger;
    private final Clock clock;
    private final Duration maxAge;
    private final Executor background;
    private final AtomicReference<@Nullable CompletableFuture<Void>> reading = new AtomicReference<>();
    private volatile Map<String, URI> known = Map.of();
    private volatile Instant readAt = Instant.MIN;
    /** When the last read started, whether it succeeded or not: a miss waits for a read at most once a second. */
    private volatile Instant triedAt = Instant.MIN;

    /** Read again on a virtual thread of its own when due. */
    public AnnouncedAddresses(ActionLedger ledger, Clock clock, Duration maxAge) {
        this(ledger, clock, maxAge, task -> Thread.ofVirtual()
                .name("ballast-action-addresses")
                .start(task));
    }

    /** Read again on {@code background} when due. */
    public AnnouncedAddresses(ActionLedger ledger, Clock clock, Duration maxAge, Executor background) {
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
        }
        this.maxAge = maxAge;
        this.background = Objects.requireNonNull(background, "background");
    }

    /**
     * Reads every instance's address from the ledger now, on this thread.
     *
     * @throws RuntimeException what the ledger throws (the copy is left as it was)
     */
    public void refresh() {
        Instant at = clock.instant();
        triedAt = at;
        Map<String, URI> read = new HashMap<>();
        ledger.announced().forEach((instance, url) -> {
            if (ActionSigner.isBaseUrl(url)) {
                read.put(instance, url);
            }
        });
        known = Map.copyOf(read);
        readAt = at;
    }

    @Override
    public Optional<URI> apply(String instance) {
        URI found = known.get(instance);
        Instant now = clock.instant();
        if (found == null && Duration.between(triedAt, now).compareTo(MISS_REREAD) > 0) {
            CompletableFuture<Void> read = refreshInBackground();
            try {
                read.get(MISS_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // answered from the copy; the read goes on (and logs its own failure)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.ofNullable(known.get(instance));
        }
        if (Duration.between(readAt, now).compareTo(maxAge) > 0) {
            var unused = refreshInBackground(); // not waited for: the copy answers meanwhile
        }
        return Optional.ofNullable(found);
    }

    /** The read in progress, or a new one handed to the background. */
    private CompletableFuture<Void> refreshInBackground() {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> running = reading.compareAndExchange(null, mine);
        if (running != null) {
            return running;
        }
        triedAt = clock.instant();
        try {
            background.execute(() -> {
                try {
                    refresh();
                } catch (RuntimeException e) {
                    log.warn("Could not read where instances answer action links: {}", e.toString());
                } finally {
                    reading.set(null);
                    mine.complete(null);
                }
            });
        } catch (RuntimeException e) {
            reading.set(null);
            mine.complete(null);
            log.warn("Could not start reading where instances answer action links: {}", e.toString());
        }
        return mine;
    }
}
