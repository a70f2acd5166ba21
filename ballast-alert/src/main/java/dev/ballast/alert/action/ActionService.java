package dev.ballast.alert.action;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at and performs action links. {@link #preview} changes nothing (chat unfurlers and prefetchers follow links);
 * {@link #perform} claims the link's nonce in the ledger first, so a link does its work once, however often and from
 * however many instances it is posted; then it runs the operation, records the result and sends an alert saying who
 * did what: INFO, or WARNING when the operation left a hold someone must end (it carries the way back as a button).
 * Thread-safe.
 */
public final class ActionService {

    private static final Logger log = LoggerFactory.getLogger(ActionService.class);

    /** What a link would do. */
    public record Preview(ActionToken token, String description, Optional<ActionRecord> earlier) {}

    /** The origin of a link signed on request ({@code /actuator/ballastactions}), followed by the requester. */
    public static final String ACTUATOR_ORIGIN = "actuator|";

    /**
     * The argument that binds a link to a {@linkplain ActionOperation#perInstance() per-instance} operation to one
     * instance; checked and removed here, never passed to the operation.
     */
    public static final String INSTANCE_ARGUMENT = "instance";

    private final ActionSigner signer;
    private final Map<String, ActionOperation> operations;
    private final ActionLedger ledger;
    private final AlertSink alerts;
    private final Clock clock;

    public ActionService(
            ActionSigner signer,
            Map<String, ActionOperation> operations,
            ActionLedger ledger,
            AlertSink alerts,
            Clock clock) {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.operations = Map.copyOf(operations);
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.alerts = Objects.requireNonNull(alerts, "alerts");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Registered operations by name, in a map for {@link ActionService}'s constructor; names must be unique. */
    public static Map<String, ActionOperation> byName(Iterable<? extends ActionOperation> operations) {
        Map<String, ActionOperation> byName = new LinkedHashMap<>();
        for (ActionOperation operation : operations) {
            if (byName.putIfAbsent(operation.name(), operation) != null) {
                throw new IllegalArgumentException("Two action operations are named '" + operation.name() + "'");
            }
        }
        return byName;
    }

    /**
     * What {@code token} would do and whether it was used already; changes nothing.
     *
     * @throws ActionException TAMPERED, EXPIRED, MALFORMED, UNKNOWN_OPERATION, or NOT_APPLICABLE when the operation
     *     refuses the link's arguments here and the link was not used
     */
    public Preview preview(String token) {
        ActionToken parsed = signer.verify(token);
        ActionOperation operation = operation(parsed);
        Optional<ActionRecord> earlier = ledger.find(parsed.nonce());
        return new Preview(parsed, describe(operation, parsed, earlier), earlier);
    }

    /**
     * Performs {@code token} as {@code actor}, once.
     *
     * @return the audit record, outcome DONE or FAILED
     * @throws ActionException TAMPERED, EXPIRED, MALFORMED, UNKNOWN_OPERATION, NOT_APPLICABLE (nothing runs or is
     *     recorded), or ALREADY_DONE (with the earlier record)
     */
    public ActionRecord perform(String token, String actor) {
        ActionToken parsed = signer.verify(token);
        ActionOperation operation = operation(parsed);
        // refuses arguments it cannot take, as the page did; a used link goes on to the claim, which answers
        // ALREADY_DONE
        var unused = describe(operation, parsed, ledger.find(parsed.nonce()));
        Instant now = clock.instant();
        ActionRecord running = new ActionRecord(
                parsed.nonce(),
                parsed.operation(),
                parsed.arguments(),
                parsed.fingerprint(),
                actor,
                now,
                null,
                ActionRecord.Outcome.RUNNING,
                "");
        if (!ledger.claim(running)) {
            ActionRecord earlier = ledger.find(parsed.nonce()).orElse(running);
            throw new ActionException(
                    ActionException.Reason.ALREADY_DONE,
                    earlier.outcome() == ActionRecord.Outcome.FAILED
                            ? "This action was already tried by " + earlier.actor() + " at " + earlier.requestedAt()
                                    + " and failed (" + earlier.result() + "); a link works once: use a new one"
                            : "This action was already performed by " + earlier.actor() + " at "
                                    + earlier.requestedAt(),
                    earlier);
        }
        ActionRecord.Outcome outcome;
        String result;
        try {
            result = operation.perform(ownArguments(parsed.arguments()), onBehalfOf(actor, parsed.fingerprint()));
            outcome = ActionRecord.Outcome.DONE;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            result = "Failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            outcome = ActionRecord.Outcome.FAILED;
            log.warn("Action '{}' by {} failed: {}", parsed.operation(), actor, e.toString());
        }
        if (operation.perInstance() && signer.instance().isPresent()) {
            result = result + " (instance " + signer.instance().get() + ")";
        }
        Instant finished = clock.instant();
        ledger.finish(parsed.nonce(), finished, outcome, result);
        ActionRecord done = running.finished(finished, outcome, result);
        audit(done, outcome == ActionRecord.Outcome.DONE ? followUps(operation, parsed) : List.of());
        return done;
    }

    /**
     * Who the operation is told performs it: the performer, or for a link an operator signed for themselves ({@code
     * actuator|<requester>} as its origin) and someone else performed (without Spring Security, {@code
     * anonymous@<address>}), both: {@code "<requester> (link performed by <performer>)"}, so that what the operation
     * records (who paused the relays, who moved the locks) names the person who asked, not only an address.
     */
    static String onBehalfOf(String actor, String origin) {
        if (!origin.startsWith(ACTUATOR_ORIGIN)) {
            return actor;
        }
        String requester = origin.substring(ACTUATOR_ORIGIN.length());
        return requester.isEmpty() || requester.equals(actor)
                ? actor
                : requester + " (link performed by " + actor + ")";
    }

    /**
     * What {@code token} would do, checked by the operation: NOT_APPLICABLE when it refuses the arguments here; for a
     * link used already ({@code earlier}), what it did, unchecked (a used link goes on to the claim, which answers
     * ALREADY_DONE).
     */
    private String describe(ActionOperation operation, ActionToken token, Optional<ActionRecord> earlier) {
        if (earlier.isPresent()) {
            return used(earlier.get());
        }
        checkInstance(operation, token);
        try {
            checkNames(operation, token.arguments());
            return describe(operation, token.arguments(), signer.instance().orElse(null));
        } catch (IllegalArgumentException e) {
            throw new ActionException(
                    ActionException.Reason.NOT_APPLICABLE, "This link cannot be performed here: " + e.getMessage());
        }
    }

    /**
     * What a used link did, for its page and JSON: not what a new click would do now (a pool raised from 4 to 8 would
     * read "from 8 to 16"), which no click on it can do any more.
     */
    private static String used(ActionRecord record) {
        return switch (record.outcome()) {
            case DONE ->
                "Already performed by " + record.actor() + " at " + record.requestedAt() + ": "
                        + sentence(record.result());
            case FAILED ->
                "Already tried by " + record.actor() + " at " + record.requestedAt() + ", and it failed: "
                        + sentence(record.result()) + " A link works once: use a new one.";
            case RUNNING -> "Being performed by " + record.actor() + " since " + record.requestedAt() + ".";
        };
    }

    private static String sentence(String text) {
        return text.endsWith(".") ? text : text + ".";
    }

    /**
     * Refuses a link bound to another instance (behind a load balancer, a click meant for one instance can reach
     * another): before the nonce is claimed, so the link still works where it belongs.
     */
    private void checkInstance(ActionOperation operation, ActionToken token) {
        String bound = token.arguments().get(INSTANCE_ARGUMENT);
        String here = signer.instance().orElse(null);
        if (!operation.perInstance() || bound == null || here == null || bound.equals(here)) {
            return;
        }
        throw new ActionException(
                ActionException.Reason.WRONG_INSTANCE,
                "This link acts on instance '" + cut(bound) + "' and reached instance '" + here + "': nothing was done"
                        + " and the link still works. Open it on '" + cut(bound) + "', at that instance's own action"
                        + " base URL (links another instance signs point there once '" + cut(bound) + "' has recorded"
                        + " it in the database the instances share).");
    }

    /**
     * What a link to {@code operation} with {@code arguments} does, as its page and {@code /actuator/ballastactions}
     * say it: the operation's sentence (it never sees the instance binding), and for a per-instance operation the
     * instance it acts on (the one the arguments name, else {@code instance}). A per-instance link bound to another
     * instance than {@code instance} (the one describing it) is not given to the operation here: its sentence and its
     * checks read this instance's state (a pool's size here, not there), so the description says only what will run
     * where, after {@link ActionOperation#checkArguments} (what no instance could take), and the bound instance checks
     * and describes it when the link is opened there.
     *
     * @throws IllegalArgumentException if the operation refuses the arguments
     */
    public static String describe(ActionOperation operation, Map<String, String> arguments, @Nullable String instance) {
        String on = arguments.getOrDefault(INSTANCE_ARGUMENT, instance);
        if (operation.perInstance() && on != null && instance != null && !on.equals(instance)) {
            Map<String, String> own = ownArguments(arguments);
            operation.checkArguments(own);
            return "Runs '" + operation.name() + "'" + (own.isEmpty() ? "" : " with " + new TreeMap<>(own))
                    + " on instance " + on + "; that instance checks it and shows what it will do when the link is"
                    + " opened there. Instance: " + on + ".";
        }
        String description = operation.describe(ownArguments(arguments));
        return operation.perInstance() && on != null ? description + " Instance: " + on + "." : description;
    }

    /** A link's arguments as the operation takes them: without the instance binding, which is checked here. */
    private static Map<String, String> ownArguments(Map<String, String> arguments) {
        if (!arguments.containsKey(INSTANCE_ARGUMENT)) {
            return arguments;
        }
        Map<String, String> own = new LinkedHashMap<>(arguments);
        own.remove(INSTANCE_ARGUMENT);
        return java.util.Collections.unmodifiableMap(own);
    }

    /**
     * Refuses argument names {@code operation} does not take, when it says which it takes.
     *
     * @throws IllegalArgumentException naming the first unknown name and the ones it takes
     */
    public static void checkNames(ActionOperation operation, Map<String, String> arguments) {
        Set<String> names = operation.argumentNames();
        if (names == null) {
            return;
        }
        for (String name : new TreeSet<>(arguments.keySet())) {
            if (!names.contains(name) && !(operation.perInstance() && name.equals(INSTANCE_ARGUMENT))) {
                throw new IllegalArgumentException("Operation '" + operation.name() + "' takes "
                        + (names.isEmpty() ? "no arguments" : "only " + new TreeSet<>(names)) + ", not '" + name
                        + "'");
            }
        }
    }

    private ActionOperation operation(ActionToken token) {
        ActionOperation operation = operations.get(token.operation());
        if (operation == null) {
            throw new ActionException(
                    ActionException.Reason.UNKNOWN_OPERATION,
                    "No operation '" + token.operation() + "' is registered on this service");
        }
        return operation;
    }

    private static List<AlertAction> followUps(ActionOperation operation, ActionToken token) {
        try {
            return List.copyOf(operation.followUps(ownArguments(token.arguments())));
        } catch (RuntimeException e) {
            log.warn("Action '{}': its follow-up buttons failed: {}", token.operation(), e.toString());
            return List.of();
        }
    }

    private void audit(ActionRecord record, List<AlertAction> followUps) {
        log.info(
                "Action '{}' {} by {} for alert {}: {}",
                record.operation(),
                record.arguments(),
                record.actor(),
                record.fingerprint(),
                record.result());
        // an operation that left a hold someone must end (locks on the database, a breaker held open, a paused relay)
        // is reported as a WARNING, which the default routes send to chat with its way back; the rest as INFO
        Alert.Builder audit = Alert.builder(
                        followUps.isEmpty() ? Severity.INFO : Severity.WARNING,
                        "Action '" + record.operation() + "' "
                                + record.outcome().name().toLowerCase(java.util.Locale.ROOT) + " by "
                                + cut(record.actor()))
                .detail(record.result() + " (arguments " + record.arguments() + ", alert " + record.fingerprint() + ")")
                .fingerprint("ballast-action|" + record.nonce())
                .label("module", "alert")
                .label("action", record.operation());
        followUps.forEach(audit::action);
        alerts.send(audit.build());
    }

    private static String cut(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80);
    }
}
