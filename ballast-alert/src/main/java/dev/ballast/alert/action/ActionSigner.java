package dev.ballast.alert.action;

import dev.ballast.alert.ActionLinker;
import dev.ballast.alert.alertmanager.AlertmanagerWebhook;
import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertAction;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Signs operations into links and checks links. A token is {@code base64url(json) + "." +
 * base64url(HMAC-SHA256(key, json))}; the JSON holds the key id, operation, arguments, alert fingerprint, expiry and a
 * random nonce. Keys have ids so they can rotate: new links use the current key, links signed with an older key still
 * verify while that key is configured. Thread-safe.
 */
public final class ActionSigner implements ActionLinker {

    /** Path of action links below the service's base URL; the token follows. */
    public static final String PATH = "/ballast/actions/";

    /** The longest label {@link AlertAction} takes. */
    private static final int MAX_LABEL = 80;

    /** The longest instance name a link may be bound to, as {@code ballast.instance-name} allows. */
    private static final int MAX_INSTANCE_NAME = 100;

    /** Longest token {@link #verify} reads, and so the longest {@link #link} makes. */
    private static final int MAX_TOKEN = 4096;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final Map<String, SecretKeySpec> keys;
    private final String currentKey;
    private final URI baseUrl;
    private final Duration ttl;
    private final Clock clock;
    private final Predicate<String> known;
    private final @Nullable String instance;
    private final Predicate<String> perInstance;
    private final Function<String, Optional<URI>> addresses;
    private final SecureRandom random = new SecureRandom();

    /**
     * A signer.
     *
     * @param keys signing keys by id, at least 32 bytes each
     * @param currentKey the id new links are signed with
     * @param baseUrl the service's public address (http or https)
     * @param ttl how long a link is valid (1 minute to 30 days)
     * @param known which operation names may be linked (the registered ones)
     */
    public ActionSigner(
            Map<String, byte[]> keys,
            String currentKey,
            URI baseUrl,
            Duration ttl,
            Clock clock,
            Predicate<String> known) {
        this(keys, currentKey, baseUrl, ttl, clock, known, null, name -> false);
    }

    /**
     * A signer for one instance of a service whose instances share the keys: links to an operation that {@code
     * perInstance} names (see {@link ActionOperation#perInstance()}) are bound to {@code instance}, and {@link
     * ActionService} refuses them on another instance.
     *
     * @param instance this instance's name ({@code ballast.instance-name}); null to bind nothing
     * @param perInstance which operation names act only on the instance that performs them
     */
    public ActionSigner(
            Map<String, byte[]> keys,
            String currentKey,
            URI baseUrl,
            Duration ttl,
            Clock clock,
            Predicate<String> known,
            @Nullable String instance,
            Predicate<String> perInstance) {
        this(keys, currentKey, baseUrl, ttl, clock, known, instance, perInstance, name -> Optional.empty());
    }

    /**
     * A signer for one instance of a service whose instances share the keys, that knows where the others answer: a
     * link bound to another instance (a button Alertmanager relayed here whose rule names the instance it is about)
     * points at {@code addresses}' base URL for that instance, so that it works at the first click; where {@code
     * addresses} knows none, at this instance's {@code baseUrl}. {@link AnnouncedAddresses} reads them from the
     * {@link ActionLedger} the instances share.
     *
     * @param addresses the base URL of an instance by its name; called on the thread that signs (for an alert's
     *     buttons, the alert router's dispatcher), so it must answer promptly
     */
    public ActionSigner(
            Map<String, byte[]> keys,
            String currentKey,
            URI baseUrl,
            Duration ttl,
            Clock clock,
            Predicate<String> known,
            @Nullable String instance,
            Predicate<String> perInstance,
            Function<String, Optional<URI>> addresses) {
        Map<String, SecretKeySpec> specs = new HashMap<>();
        keys.forEach((id, key) -> {
            if (key.length < 32) {
                throw new IllegalArgumentException(
                        "Action signing key '" + id + "' must be at least 32 bytes, was " + key.length);
            }
            specs.put(id, new SecretKeySpec(key.clone(), "HmacSHA256"));
        });
        if (!specs.containsKey(currentKey)) {
            throw new IllegalArgumentException(
                    "Action signing key id '" + currentKey + "' is not among the keys " + keys.keySet());
        }
        if (!isBaseUrl(baseUrl)) {
            // the value is not shown: a user name and password in it would be secrets
            throw new IllegalArgumentException(
                    "Action base URL must be an absolute http(s) URL with a host and no user name or password");
        }
        if (ttl.compareTo(Duration.ofMinutes(1)) < 0 || ttl.compareTo(Duration.ofDays(30)) > 0) {
            throw new IllegalArgumentException("Action link ttl must be 1 minute to 30 days, was " + ttl);
        }
        this.keys = Map.copyOf(specs);
        this.currentKey = currentKey;
        this.baseUrl = baseUrl;
        this.ttl = ttl;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.known = Objects.requireNonNull(known, "known");
        if (instance != null && instance.isBlank()) {
            throw new IllegalArgumentException("Instance name must not be blank");
        }
        this.instance = instance;
        this.perInstance = Objects.requireNonNull(perInstance, "perInstance");
        this.addresses = Objects.requireNonNull(addresses, "addresses");
    }

    /** This signer's own base URL: where this instance answers action links. */
    public URI baseUrl() {
        return baseUrl;
    }

    /** This instance's name, which links to per-instance operations are bound to; empty when none is bound. */
    public Optional<String> instance() {
        return Optional.ofNullable(instance);
    }

    @Override
    public Optional<AlertAction> link(Alert alert, AlertAction operation) {
        // an alert Alertmanager relayed is about whichever instance Prometheus saw, not the one that received it: its
        // per-instance operations are bound only where the rule's action_arguments name the instance
        Map<String, String> arguments =
                AlertmanagerWebhook.SOURCE.equals(alert.labels().get("source"))
                        ? operation.arguments()
                        : bound(operation.operationName(), operation.arguments());
        String label = labelled(operation.label(), arguments.get(ActionService.INSTANCE_ARGUMENT));
        return sign(operation.operationName(), arguments, alert.fingerprint()).map(url -> new AlertAction(label, url));
    }

    /**
     * A button bound to an instance names it ("Close the breaker (inst-a)"): two instances' messages about one outage
     * read alike, and only the button of the instance that is asked works. A name too long for a label's 80 characters
     * keeps its start and its end, where generated names (a pod's or a host's suffix, a node number) differ.
     */
    static String labelled(String label, @Nullable String boundTo) {
        if (boundTo == null) {
            return label;
        }
        int room = MAX_LABEL - label.length() - 3;
        if (room < 5) {
            return label;
        }
        String name = boundTo;
        if (name.length() > room) {
            int head = (room - 1) / 3;
            name = name.substring(0, head) + "…" + name.substring(name.length() - (room - 1 - head));
        }
        return label + " (" + name + ")";
    }

    /**
     * A link to {@code operation} that no alert carries, such as an operator asks for
     * ({@code /actuator/ballastactions}); empty if the operation is not registered.
     *
     * @param origin stands where an alert's fingerprint would in the audit trail, e.g. {@code "actuator|alice"}
     * @throws IllegalArgumentException if the link would be longer than links may be
     */
    public Optional<URI> link(String operation, Map<String, String> arguments, String origin) {
        return sign(operation, bound(operation, arguments), origin);
    }

    /**
     * {@code arguments}, with this instance's name added for a per-instance operation whose arguments name none.
     *
     * @throws IllegalArgumentException if they name an instance no instance can be called (blank, over 100 characters
     *     or with control characters, as {@code ballast.instance-name} may not be): such a link works nowhere
     */
    private Map<String, String> bound(String operation, Map<String, String> arguments) {
        String named = arguments.get(ActionService.INSTANCE_ARGUMENT);
        if (named != null
                && (named.isBlank()
                        || named.length() > MAX_INSTANCE_NAME
                        || !named.equals(named.strip())
                        || named.codePoints()
                                .anyMatch(
                                        c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT))) {
            throw new IllegalArgumentException("instance must name the instance the link acts on, its"
                    + " ballast.instance-name: 1 to 100 printable characters without surrounding spaces");
        }
        if (instance == null
                || !perInstance.test(operation)
                || arguments.containsKey(ActionService.INSTANCE_ARGUMENT)) {
            return arguments;
        }
        Map<String, String> bound = new HashMap<>(arguments);
        bound.put(ActionService.INSTANCE_ARGUMENT, instance);
        return bound;
    }

    private Optional<URI> sign(String operation, Map<String, String> arguments, String origin) {
        if (!known.test(operation)) {
            return Optional.empty();
        }
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        ActionToken token = new ActionToken(
                currentKey, operation, arguments, origin, clock.instant().plus(ttl), ENCODER.encodeToString(nonce));
        String signed = sign(token);
        if (signed.length() > MAX_TOKEN) {
            throw new IllegalArgumentException("The arguments of '" + operation + "' are too long for a link ("
                    + signed.length() + " characters signed, at most " + MAX_TOKEN + ")");
        }
        String base =
                where(arguments.get(ActionService.INSTANCE_ARGUMENT)).toString().replaceAll("/+$", "");
        return Optional.of(URI.create(base + PATH + signed));
    }

    /**
     * Where links bound to {@code instance} point: this instance's base URL for itself, else the address that instance
     * recorded ({@link AnnouncedAddresses}); empty when it recorded none (its links then point at this instance's base
     * URL, where they are refused).
     */
    public Optional<URI> addressOf(String instance) {
        return instance.equals(this.instance) ? Optional.of(baseUrl) : addresses.apply(instance);
    }

    /** Where a link bound to {@code boundTo} (null: to none) is followed: that instance's address if known. */
    private URI where(@Nullable String boundTo) {
        if (boundTo == null || boundTo.equals(instance)) {
            return baseUrl;
        }
        return addresses.apply(boundTo).orElse(baseUrl);
    }

    /** The signed token of {@code token}. */
    public String sign(ActionToken token) {
        ObjectNode json = JSON.createObjectNode();
        json.put("v", 1);
        json.put("k", token.keyId());
        json.put("o", token.operation());
        ObjectNode arguments = json.putObject("a");
        token.arguments().forEach(arguments::put);
        json.put("f", token.fingerprint());
        json.put("e", token.expiresAt().getEpochSecond());
        json.put("n", token.nonce());
        byte[] payload = JSON.writeValueAsBytes(json);
        SecretKeySpec key = keys.get(token.keyId());
        if (key == null) {
            throw new IllegalArgumentException("Unknown action signing key id '" + token.keyId() + "'");
        }
        return ENCODER.encodeToString(payload) + "." + ENCODER.encodeToString(mac(key, payload));
    }

    /**
     * The token's content, if its signature holds and it has not expired.
     *
     * @throws ActionException MALFORMED, TAMPERED (bad signature or unknown key) or EXPIRED
     */
    public ActionToken verify(String token) {
        int dot = token.indexOf('.');
        if (token.length() > MAX_TOKEN || dot <= 0 || dot != token.lastIndexOf('.')) {
            throw new ActionException(ActionException.Reason.MALFORMED, "This is not an action link");
        }
        byte[] payload;
        byte[] signature;
        JsonNode json;
        try {
            payload = DECODER.decode(token.substring(0, dot));
            signature = DECODER.decode(token.substring(dot + 1));
            json = JSON.readTree(payload);
        } catch (IllegalArgumentException | JacksonException e) {
            throw new ActionException(ActionException.Reason.MALFORMED, "This is not an action link");
        }
        SecretKeySpec key = keys.get(json.path("k").asString(""));
        // the signature as this signer writes it, character for character: Base64 leaves the last character's low
        // bits unused, so a changed character could otherwise decode to the same bytes
        if (key == null
                || !MessageDigest.isEqual(mac(key, payload), signature)
                || !ENCODER.encodeToString(signature).equals(token.substring(dot + 1))
                || !ENCODER.encodeToString(payload).equals(token.substring(0, dot))) {
            throw new ActionException(
                    ActionException.Reason.TAMPERED, "This action link was changed or was not signed by this service");
        }
        Map<String, String> arguments = new HashMap<>();
        json.path("a")
                .properties()
                .forEach(entry -> arguments.put(entry.getKey(), entry.getValue().asString()));
        ActionToken parsed = new ActionToken(
                json.path("k").asString(),
                json.path("o").asString(),
                arguments,
                json.path("f").asString(),
                Instant.ofEpochSecond(json.path("e").asLong()),
                json.path("n").asString());
        if (!clock.instant().isBefore(parsed.expiresAt())) {
            throw new ActionException(
                    ActionException.Reason.EXPIRED, "This action link expired at " + parsed.expiresAt());
        }
        return parsed;
    }

    private static byte[] mac(SecretKeySpec key, byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(payload);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * Whether {@code url} can be the base of action links: absolute http or https, with a host, and without a user name
     * or password (which every link in every chat message would show).
     */
    public static boolean isBaseUrl(URI url) {
        String scheme = url.getScheme();
        return ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
                && url.getHost() != null
                && url.getRawUserInfo() == null;
    }
}
