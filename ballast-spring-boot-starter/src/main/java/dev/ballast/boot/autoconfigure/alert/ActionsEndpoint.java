package dev.ballast.boot.autoconfigure.alert;

import dev.ballast.alert.action.ActionOperation;
import dev.ballast.alert.action.ActionService;
import dev.ballast.alert.action.ActionSigner;
import dev.ballast.alert.action.ActionToken;
import dev.ballast.core.ClientException;
import dev.ballast.core.CommonErrorCode;
import java.net.URI;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code /actuator/ballastactions}: the operations this service can perform from a signed link (GET), and a signed link
 * to one of them that no alert offers (POST {@code operation}, {@code arguments} as {@code name=value,name=value},
 * {@code requestedBy} unless the request is authenticated). The link works like an alert's button: its page, then a
 * POST by someone allowed to perform actions, once, audited with the requester as its origin. Whoever can POST here
 * can have links signed: expose it only where the other write endpoints are.
 */
@Endpoint(id = "ballastactions")
final class ActionsEndpoint {

    private static final Logger log = LoggerFactory.getLogger(ActionsEndpoint.class);
    private static final int MAX_NAME = 80;

    private final ActionSigner signer;
    private final Map<String, ActionOperation> operations;

    ActionsEndpoint(ActionSigner signer, Map<String, ActionOperation> operations) {
        this.signer = signer;
        this.operations = Map.copyOf(operations);
    }

    @ReadOperation
    Map<String, Object> operations() {
        return Map.of("operations", operations.keySet().stream().sorted().toList());
    }

    @WriteOperation
    Map<String, Object> link(
            SecurityContext security, String operation, @Nullable String arguments, @Nullable String requestedBy) {
        ActionOperation known = operations.get(operation.trim());
        if (known == null) {
            throw invalid("No operation '" + cut(operation) + "' here; this service has "
                    + operations.keySet().stream().sorted().toList());
        }
        String requester = requester(security.getPrincipal(), requestedBy);
        Map<String, String> parsed = arguments(arguments);
        try {
            ActionService.checkNames(known, parsed);
        } catch (IllegalArgumentException e) {
            throw invalid(String.valueOf(e.getMessage()));
        }
        String description;
        try {
            // checks the arguments: a link that cannot work is not signed
            description =
                    ActionService.describe(known, parsed, signer.instance().orElse(null));
        } catch (IllegalArgumentException e) {
            throw invalid(
                    "Operation '" + known.name() + "' does not take " + cut(parsed.toString()) + ": " + e.getMessage());
        }
        URI url;
        try {
            url = signer.link(known.name(), parsed, ActionService.ACTUATOR_ORIGIN + requester)
                    .orElseThrow(() -> invalid("Operation '" + known.name() + "' cannot be linked"));
        } catch (IllegalArgumentException e) { // too long for a link
            throw invalid(String.valueOf(e.getMessage()));
        }
        String token = url.getPath().substring(url.getPath().lastIndexOf('/') + 1);
        ActionToken signed = signer.verify(token);
        // as signed: with the instance a per-instance link is bound to
        log.info("Action link signed for {}: '{}' {}", requester, known.name(), new TreeMap<>(signed.arguments()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("operation", known.name());
        body.put("arguments", signed.arguments()); // as signed: with the instance a per-instance link is bound to
        body.put("description", description);
        body.put("requestedBy", requester);
        body.put("url", url.toString());
        body.put("expiresAt", signed.expiresAt().toString());
        String bound = signed.arguments().get(ActionService.INSTANCE_ARGUMENT);
        if (bound != null && signer.addressOf(bound).isEmpty()) {
            // found by a black-box check: a link for a mistyped name was signed like any other and could only be
            // refused
            body.put(
                    "warning",
                    "No instance named '" + bound + "' has recorded where it answers links (in the database the"
                            + " instances share), so this link points at this instance's base-url, where it will be"
                            + " refused: check the name, or open the link at that instance's own address");
        }
        return body;
    }

    /** The authenticated user, else the name the caller gave. */
    private static String requester(@Nullable Principal principal, @Nullable String requestedBy) {
        if (principal != null
                && principal.getName() != null
                && !principal.getName().isBlank()) {
            return cut(principal.getName());
        }
        if (requestedBy == null || requestedBy.isBlank()) {
            throw invalid("requestedBy is required: who asks for the link (it is kept in the audit trail)");
        }
        String name = requestedBy.strip();
        if (name.length() > MAX_NAME || !printable(name)) {
            throw invalid("requestedBy must be at most " + MAX_NAME + " printable characters");
        }
        return name;
    }

    /** {@code name=value,name=value}; names unique and not blank. */
    private static Map<String, String> arguments(@Nullable String text) {
        Map<String, String> parsed = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return parsed;
        }
        for (String pair : List.of(text.split(","))) {
            int equals = pair.indexOf('=');
            if (equals <= 0 || pair.substring(0, equals).isBlank()) {
                throw invalid("Argument '" + cut(pair.strip()) + "' is not name=value");
            }
            String name = pair.substring(0, equals).strip();
            if (parsed.putIfAbsent(name, pair.substring(equals + 1).strip()) != null) {
                throw invalid("Argument '" + cut(name) + "' is given twice");
            }
        }
        return parsed;
    }

    /**
     * No control characters and no invisible formatting ones (a right-to-left override would make the name read
     * differently in the audit trail than it was given).
     */
    static boolean printable(String text) {
        return text.codePoints().noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT);
    }

    private static ClientException invalid(String detail) {
        return new ClientException(CommonErrorCode.INVALID_INPUT, detail);
    }

    private static String cut(String text) {
        return text.length() <= MAX_NAME ? text : text.substring(0, MAX_NAME) + "…";
    }
}
