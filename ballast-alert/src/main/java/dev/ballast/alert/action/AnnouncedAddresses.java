package dev.ballast.alert.action;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where each instance answers action links, as the instances announced it in the {@link ActionLedger} they share
 * ({@link ActionLedger#announce}), for {@link ActionSigner}: a copy read by {@link #refresh} and read again in the
 * background when a look-up finds it older than {@code maxAge}, or finds no such instance (one started since) and the
 * copy is more than 5 seconds old. A look-up never waits for the database: it answers from the copy (empty for an
 * instance not in it, and the signer then uses its own address). Only absolute http(s) addresses are kept.
 * Thread-safe.
 */
public final class AnnouncedAddresses implements Function<String, Optional<URI>> {

    private static final Logger log = LoggerFactory.getLogger(AnnouncedAddresses.class);
    private static final Duration MISS_REREAD = Duration.ofSeconds(5);

    private final ActionLedger ledger;
    private final Clock clock;
    private final Duration maxAge;
    private final Executor background;
    private final AtomicBoolean reading = new AtomicBoolean();
    private volatile Map<String, URI> known = Map.of();
    private volatile Instant readAt = Instant.MIN;

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
        Map<String, URI> read = new HashMap<>();
        ledger.announced().forEach((instance, url) -> {
            String scheme = url.getScheme();
            if (url.getHost() != null && ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
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
        Duration age = Duration.between(readAt, now);
        if (age.compareTo(maxAge) > 0 || (found == null && age.compareTo(MISS_REREAD) > 0)) {
            refreshInBackground();
        }
        return Optional.ofNullable(found);
    }

    private void refreshInBackground() {
        if (!reading.compareAndSet(false, true)) {
            return;
        }
        try {
            background.execute(() -> {
                try {
                    refresh();
                } catch (RuntimeException e) {
                    log.warn("Could not read where instances answer action links: {}", e.toString());
                } finally {
                    reading.set(false);
                }
            });
        } catch (RuntimeException e) {
            reading.set(false);
            log.warn("Could not start reading where instances answer action links: {}", e.toString());
        }
    }
}
