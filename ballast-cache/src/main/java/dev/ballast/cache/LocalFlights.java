package dev.ballast.cache;

import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Single-flight in this JVM: per key, one caller (the flight) goes on to L2 and the loader; the others wait for it,
 * at most {@code loadWait}, then follow {@link CacheSettings#onLoadWaitTimeout()}.
 *
 * <p>Concurrency: callers' threads. The map of flights decides who flies ({@code putIfAbsent}); the flight removes
 * its entry when it ends. A caller joins only a flight that began after the last invalidation of its key (same L1
 * stamp); a flight that began before may bring the old value, so the caller waits for it to end and tries again. The
 * flight looks at L1 once more after registering, because another flight may have ended between its miss and its
 * registration, and takes the stamp for its own fill after that look. The joiners are woken as soon as the flight has
 * its value ({@link Work}), not after it has written it to L2 and L1: on the instance that loaded, one Redis round trip
 * sooner; on the others, by the thread that received the value with the holder's signal, without waking the flight's
 * own caller first.
 */
final class LocalFlights {

    /**
     * The flight's work: L2 and the loader, or the loader alone. It may give the value to the callers that joined the
     * flight through {@code handOut} as soon as it has it, before what it still does for it (the fill of L2 and L1);
     * the joiners get the first value handed out, or else what it returns (the flight's own caller always gets what it
     * returns: the same value, unless it expired between the two and the work went on).
     */
    @FunctionalInterface
    interface Work {
        Slot load(String k, KeyLoad load, long stamp, Consumer<Slot> handOut);
    }

    /** A load in flight and the invalidation stamp of its key when it began. */
    private static final class Flight {
        private final CompletableFuture<Slot> result = new CompletableFuture<>();
        /**
         * Completed once the flight has left the map: its result may be handed out long before (the flight then still
         * writes L2 and L1), so a caller that must let it pass waits for this, not for the result.
         */
        private final CompletableFuture<@Nullable Void> ended = new CompletableFuture<>();

        private final long stamp;
        /**
         * The result, or a timeout one {@code loadWait} after the first caller joined: the one timer every joiner
         * parks on. A park with a timeout gives each waiting thread a timer of its own, registered in the JDK's timer
         * queue and cancelled when it wakes; hundreds of callers joining one load would add and remove hundreds.
         */
        private final AtomicReference<@Nullable CompletableFuture<Slot>> watched = new AtomicReference<>();

        Flight(long stamp) {
            this.stamp = stamp;
        }

        CompletableFuture<Slot> result() {
            return result;
        }

        CompletableFuture<@Nullable Void> ended() {
            return ended;
        }

        long stamp() {
            return stamp;
        }

        CompletableFuture<Slot> watched(long waitNanos) {
            CompletableFuture<Slot> existing = watched.get();
            if (existing != null) {
                return existing;
            }
            CompletableFuture<Slot> created = result.copy();
            if (!watched.compareAndSet(null, created)) {
                return Objects.requireNonNull(watched.get());
            }
            return created.orTimeout(waitNanos, TimeUnit.NANOSECONDS); // the timer is set only by the one that won
        }
    }

    private final CacheSettings settings;
    private final L1 l1;
    private final CacheMeters meters;
    private final InstantSource clock;
    private final ConcurrentMap<String, Flight> flights = new ConcurrentHashMap<>();

    LocalFlights(CacheSettings settings, L1 l1, CacheMeters meters, InstantSource clock) {
        this.settings = settings;
        this.l1 = l1;
        this.meters = meters;
        this.clock = clock;
    }

    boolean inFlight(String k) {
        return flights.containsKey(k);
    }

    /** The value of {@code k} after an L1 miss: this caller's flight, or the result of one it joins. */
    Slot loadOrJoin(String k, KeyLoad load, Work work) {
        while (true) {
            long stamp = l1.stamp(k);
            Flight mine = new Flight(stamp);
            Flight running = flights.putIfAbsent(k, mine);
            if (running == null) {
                return fly(k, load, work, mine);
            }
            meters.coalesced(false);
            if (running.stamp() == stamp) {
                return join(running, k, load, stamp);
            }
            if (!awaitEnd(running.ended())) {
                return afterWaitTimeout(k, load, stamp);
            }
        }
    }

    private Slot fly(String k, KeyLoad load, Work work, Flight mine) {
        try {
            Slot found = l1.fresh(k, clock.millis());
            if (found == null) {
                // stamped after the look: an invalidation between the caller's miss and here is already in the stamp,
                // so the fill of this load is refused only for invalidations that came after the load began
                found = work.load(k, load, l1.stamp(k), mine.result()::complete);
            }
            mine.result().complete(found); // unless handed out already
            return found;
        } catch (RuntimeException | Error e) {
            mine.result().completeExceptionally(e); // the joiners keep a value handed out before the failure
            throw e;
        } finally {
            flights.remove(k, mine);
            mine.ended().complete(null);
        }
    }

    /**
     * Waits for {@code running}'s result, at most {@code loadWait} from now. Parks without a timer of its own on the
     * flight's shared one; when that fires (set by an earlier joiner, so before this caller's time is up), waits out
     * the rest of its own time.
     */
    private Slot join(Flight running, String k, KeyLoad load, long stamp) {
        long waitNanos = settings.loadWait().toNanos();
        long deadline = System.nanoTime() + waitNanos;
        try {
            try {
                return running.watched(waitNanos).get();
            } catch (ExecutionException sharedTimerOrFailure) {
                // the load failed (the line below reports it as it is) or the shared timer fired
                return running.result().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (TimeoutException e) {
            return afterWaitTimeout(k, load, stamp);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new CacheException("Cache '" + settings.name() + "': load failed", cause);
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /**
     * Waits (at most {@code loadWait}) for a flight to leave the map, however it ends; false if it did not end in time.
     * Parks until then: waiting for the flight's result instead returned at once once the result was handed out, and
     * the caller went round its loop without ever parking while the flight wrote L2; on virtual threads such spinning
     * callers held every carrier and the flight, which needed one to go on, never ended.
     */
    private boolean awaitEnd(CompletableFuture<@Nullable Void> ended) {
        try {
            ended.get(settings.loadWait().toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // never completed exceptionally
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    private Slot afterWaitTimeout(String k, KeyLoad load, long stamp) {
        if (settings.onLoadWaitTimeout() == CacheSettings.WaitTimeoutPolicy.FAIL) {
            throw new CacheLoadTimeoutException(settings.name(), k, settings.loadWait());
        }
        Slot slot = load.run();
        l1.fillLocal(k, slot, stamp, clock.millis()); // not through L2: compared with it later
        return slot;
    }

    private CacheException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new CacheException("Cache '" + settings.name() + "': interrupted while waiting for a load", e);
    }
}
