package dev.ballast.alert.internal;

import dev.ballast.alert.AlertStatus;
import dev.ballast.alert.DedupLedger;
import dev.ballast.alert.Fatigue;
import dev.ballast.alert.Message;
import dev.ballast.alert.Route;
import dev.ballast.alert.Silences;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.Severity;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which alerts become messages and where they go: silences, deduplication, throttling, flap detection,
 * resolution and grouping, all on time passed in by the caller. Not thread-safe: the router's dispatcher thread is its
 * only user (tests drive it directly with an injected clock).
 */
public final class Pipeline {

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    /** Label an alert carries to keep its messages off one channel (the channel that rejects us). */
    public static final String EXCLUDE_CHANNEL = "ballast_exclude_channel";

    /** What the pipeline held back, for metrics. */
    public interface Events {
        /** {@code reason}: dedup, dedup-shared (another instance sent it), throttle, flapping, silenced, unmatched. */
        void suppressed(Severity severity, String reason);
    }

    private final Routing routing;
    private final Fatigue fatigue;
    private final Silences silences;
    private final Function<Alert, List<AlertAction>> links;
    private final Events events;
    private final DedupLedger shared;
    private final Map<String, FingerprintState> states = new LinkedHashMap<>(256, 0.75f, true);

    public Pipeline(
            List<Route> routes,
            Fatigue fatigue,
            Silences silences,
            Function<Alert, List<AlertAction>> links,
            Events events) {
        this(routes, fatigue, silences, links, events, DedupLedger.NONE);
    }

    /** With deduplication across instances through {@code shared}. */
    public Pipeline(
            List<Route> routes,
            Fatigue fatigue,
            Silences silences,
            Function<Alert, List<AlertAction>> links,
            Events events,
            DedupLedger shared) {
        this.shared = shared;
        this.routing = new Routing(routes, events);
        this.fatigue = fatigue;
        this.silences = silences;
        this.links = links;
        this.events = events;
    }

    /** Takes one alert at {@code now}; returns the deliveries due at once. */
    public List<Delivery> accept(Alert alert, Instant now) {
        List<Delivery> out = new ArrayList<>(2);
        if (silences.muting(alert, now).isPresent()) {
            events.suppressed(alert.severity(), "silenced");
            return out;
        }
        FingerprintState state = states.computeIfAbsent(alert.fingerprint(), key -> new FingerprintState());
        if (AlertStatus.isResolved(alert)) {
            resolve(alert, state, now, out);
        } else {
            fire(alert, state, now, out);
        }
        evictIfFull();
        return out;
    }

    /** Flushes groups whose wait is over and ends flapping that has settled; returns the deliveries due. */
    public List<Delivery> tick(Instant now) {
        List<Delivery> out = new ArrayList<>();
        flushShared(now);
        routing.flushDue(now, out);
        for (FingerprintState state : states.values()) {
            if (state.flapping && !now.isBefore(state.lastTransition.plus(fatigue.flapWindow()))) {
                settle(state, now, out);
            }
        }
        return out;
    }

    /** Flushes every group now, due or not: the router is closing, and a message held for grouping must not be lost. */
    public List<Delivery> flushAll(Instant now) {
        List<Delivery> out = new ArrayList<>();
        routing.flushAll(now, out);
        return out;
    }

    /** How many fingerprints are firing now. */
    public int firing() {
        int count = 0;
        for (FingerprintState state : states.values()) {
            count += state.firing ? 1 : 0;
        }
        return count;
    }

    private void fire(Alert alert, FingerprintState state, Instant now, List<Delivery> out) {
        boolean escalation = state.escalates(alert.severity());
        if (!state.firing) {
            if (state.last != null && !alert.isByOperator()) { // an operator's hold is not the condition flapping
                state.transition(now, fatigue.flapWindow());
            }
            state.firing = true;
            state.firingSince = now;
            state.shown = alert;
        }
        state.last = alert;
        if (state.flapping) {
            suppress(state, alert, "flapping");
        } else if (state.transitions.size() >= fatigue.flapThreshold()) {
            state.flapping = true;
            send(alert, state, Message.Kind.FLAPPING, now, out);
        } else if (!escalation && state.announced && now.isBefore(state.windowStart.plus(fatigue.dedupWindow()))) {
            suppress(state, alert, "dedup");
        } else if (!state.exceedsLastSent(alert.severity())
                && state.sentWithin(now, fatigue.throttleWindow()) >= fatigue.throttleMax()) {
            suppress(state, alert, "throttle");
        } else if (!heldElsewhere(alert, state, now)) {
            send(alert, state, Message.Kind.FIRING, now, out);
        }
    }

    /**
     * Whether another instance sent this fingerprint at this severity within the dedup window (then it counts the
     * repeat, not this one); a ledger that fails lets the message through. When this instance sends and the ledger
     * answered, the message shows the service-wide count of repeats (every instance's, this one's included).
     */
    private boolean heldElsewhere(Alert alert, FingerprintState state, Instant now) {
        if (shared == DedupLedger.NONE) {
            return false;
        }
        DedupLedger.Claim claim;
        try {
            claim = shared.claim(alert.severity() + "|" + alert.fingerprint(), now, fatigue.dedupWindow());
        } catch (RuntimeException e) {
            LOG.warn("Alert dedup ledger failed, sending without it: {}", e.toString());
            return false;
        }
        if (!claim.won()) {
            events.suppressed(alert.severity(), "dedup-shared");
            return true;
        }
        state.announcedShared = claim.serviceWide();
        if (claim.serviceWide()) {
            if (claim.repeats() > 0 && state.repeats == 0) {
                state.windowStart = now.minus(fatigue.dedupWindow());
            }
            state.repeats = claim.repeats();
        }
        return false;
    }

    /**
     * Writes the repeats held back locally; a claim found gone was ended by another instance's resolution (which sent
     * the resolved message): this instance forgets that the alert was announced and firing, so its next raise claims
     * afresh instead of being counted as a repeat of a message the service has resolved.
     */
    private void flushShared(Instant now) {
        Set<String> gone;
        try {
            gone = shared.flush(now);
        } catch (RuntimeException e) {
            LOG.warn("Alert dedup ledger failed to write repeats: {}", e.toString());
            return;
        }
        for (String key : gone) {
            int bar = key.indexOf('|');
            FingerprintState state = states.get(bar < 0 ? key : key.substring(bar + 1));
            if (state != null
                    && state.announced
                    && state.announcedShared
                    && key.startsWith(state.announcedSeverity + "|")) {
                state.firing = false;
                state.announced = false;
                state.announcedSeverity = null;
                state.repeats = 0;
            }
        }
    }

    private DedupLedger.Release releaseShared(String fingerprint) {
        try {
            return shared.release(fingerprint);
        } catch (RuntimeException e) {
            LOG.warn("Alert dedup ledger failed to release a resolved alert: {}", e.toString());
            return DedupLedger.Release.LOCAL;
        }
    }

    private void resolve(Alert alert, FingerprintState state, Instant now, List<Delivery> out) {
        if (!state.firing) {
            return;
        }
        state.firing = false;
        state.resolution = alert;
        Alert fired = state.shown != null ? state.shown : alert; // set when the episode began firing
        if (!fired.isByOperator()) { // the end of an operator's hold is not the condition flapping either
            state.transition(now, fatigue.flapWindow());
        }
        if (state.flapping) {
            suppress(state, fired, "flapping");
            return;
        }
        if (state.transitions.size() >= fatigue.flapThreshold()) {
            state.flapping = true;
            send(fired, state, Message.Kind.FLAPPING, now, out);
            return;
        }
        boolean announce = state.announced;
        if (shared != DedupLedger.NONE) {
            // whichever instance the resolution reaches: the one that ends the claim sends the resolved message, with
            // the service-wide count; if no claim is left, another instance resolved it (or none announced it), unless
            // this instance announced it without the ledger
            DedupLedger.Release release = releaseShared(fired.fingerprint());
            if (release.serviceWide()) {
                announce = release.ended() || (state.announced && !state.announcedShared);
                Instant since = release.since();
                if (release.ended() && since != null) {
                    state.repeats = release.repeats();
                    state.windowStart = since;
                }
            }
        }
        if (announce) {
            // a firing message still held for grouping is not sent: where it waited, the resolution is its only message
            Set<String> withdrawn = routing.withdraw(fired.fingerprint());
            Alert shown = resolvedView(fired, alert);
            Message message = message(Message.Kind.RESOLVED, shown, state, now, List.of());
            Message folded = withdrawn.isEmpty()
                    ? message
                    : message(
                            Message.Kind.RESOLVED,
                            resolvedBeforeSent(shown, state.firingSince, now),
                            state,
                            now,
                            List.of());
            state.repeats = 0;
            state.announced = false;
            state.announcedSeverity = null;
            routing.routeResolution(fired, message, folded, withdrawn, out);
        } else {
            state.repeats = 0;
            state.announced = false;
            state.announcedSeverity = null;
        }
    }

    /**
     * The firing alert's title, severity and labels (so it goes where the firing went), with what the raiser says is
     * true now: "Locks returned from jdbc to redis", not the firing's "no lock is granted until ...".
     */
    private static Alert resolvedView(Alert fired, @Nullable Alert resolution) {
        if (resolution == null || resolution.detail().isBlank()) {
            return fired;
        }
        return new Alert(
                fired.severity(),
                fired.title(),
                resolution.detail(),
                fired.context(),
                fired.fingerprint(),
                fired.labels(),
                List.of(),
                fired.timestamp());
    }

    /** {@code shown} with when it fired and how long it lasted, for a resolution that replaces an unsent firing. */
    private static Alert resolvedBeforeSent(Alert shown, Instant firedAt, Instant now) {
        Duration lasted = Duration.between(firedAt, now);
        String detail = (shown.detail().isBlank() ? "" : shown.detail() + " ")
                + "(Fired at " + firedAt.truncatedTo(ChronoUnit.SECONDS) + " and resolved "
                + String.format(Locale.ROOT, "%.1f", lasted.toMillis() / 1000.0)
                + " s later, while its message waited for the group: this is its only message.)";
        return new Alert(
                shown.severity(),
                shown.title(),
                detail,
                shown.context(),
                shown.fingerprint(),
                shown.labels(),
                List.of(),
                shown.timestamp());
    }

    private void settle(FingerprintState state, Instant now, List<Delivery> out) {
        state.flapping = false;
        state.transitions.clear();
        Alert last = state.firing || state.shown == null ? state.last : state.shown;
        if (last == null) {
            return;
        }
        if (!state.firing) {
            last = resolvedView(last, state.resolution); // settled resolved: the last resolution's detail
        }
        Message message = message(Message.Kind.STABLE, last, state, now, state.firing ? links.apply(last) : List.of());
        state.repeats = 0;
        state.announced = state.firing;
        state.announcedSeverity = state.firing ? last.severity() : null;
        state.windowStart = now;
        routing.route(last, message, false, out, now);
    }

    private void send(Alert alert, FingerprintState state, Message.Kind kind, Instant now, List<Delivery> out) {
        Message message = message(kind, alert, state, now, links.apply(alert));
        state.repeats = 0;
        state.announced = true;
        if (kind == Message.Kind.FIRING) {
            state.shown = alert;
        }
        state.announcedSeverity = alert.severity();
        state.lastSentSeverity = alert.severity();
        state.windowStart = now;
        state.sent.addLast(now);
        routing.route(alert, message, kind == Message.Kind.FIRING, out, now);
    }

    private Message message(
            Message.Kind kind, Alert alert, FingerprintState state, Instant now, List<AlertAction> actions) {
        Duration window = state.repeats == 0 ? Duration.ZERO : Duration.between(state.windowStart, now);
        String title =
                switch (kind) {
                    case RESOLVED -> "Resolved: " + alert.title();
                    case FLAPPING -> "Flapping: " + alert.title();
                    case STABLE -> (state.firing ? "Still firing: " : "Settled, resolved: ") + alert.title();
                    default -> alert.title();
                };
        return new Message(kind, alert.severity(), cut(title), List.of(alert), state.repeats, window, actions, now);
    }

    private void suppress(FingerprintState state, Alert alert, String reason) {
        state.repeats++;
        events.suppressed(alert.severity(), reason);
        if (shared != DedupLedger.NONE && (reason.equals("dedup") || reason.equals("throttle"))) {
            Severity counted = reason.equals("dedup") && state.announcedSeverity != null
                    ? state.announcedSeverity
                    : alert.severity();
            shared.repeated(counted + "|" + alert.fingerprint());
        }
    }

    private void evictIfFull() {
        if (states.size() <= fatigue.maxFingerprints()) {
            return;
        }
        Iterator<FingerprintState> it = states.values().iterator();
        while (it.hasNext() && states.size() > fatigue.maxFingerprints()) {
            FingerprintState state = it.next();
            if (!state.firing && !state.flapping) {
                it.remove();
            }
        }
        it = states.values().iterator();
        while (it.hasNext() && states.size() > fatigue.maxFingerprints()) {
            it.next();
            it.remove();
        }
    }

    private static String cut(String title) {
        return title.length() <= Alert.MAX_TITLE_LENGTH
                ? title
                : title.substring(0, Alert.MAX_TITLE_LENGTH - 1) + "\u2026";
    }
}
