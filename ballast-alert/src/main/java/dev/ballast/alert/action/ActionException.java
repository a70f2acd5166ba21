package dev.ballast.alert.action;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Why an action link was refused; carries the HTTP status and problem {@code code} to answer with. */
public final class ActionException extends RuntimeException {

    /** The reasons, with their HTTP status. */
    public enum Reason {
        /** Not a token at all. */
        MALFORMED(400, "ACTION_TOKEN_MALFORMED"),
        /** The signature does not match, or the key is unknown: the link was changed or forged. */
        TAMPERED(403, "ACTION_TOKEN_INVALID"),
        /** The link is past its expiry. */
        EXPIRED(410, "ACTION_TOKEN_EXPIRED"),
        /** The link was already used. */
        ALREADY_DONE(409, "ACTION_ALREADY_DONE"),
        /** No operation of that name is registered. */
        UNKNOWN_OPERATION(404, "ACTION_UNKNOWN"),
        /** The user may not perform actions. */
        FORBIDDEN(403, "ACTION_FORBIDDEN"),
        /**
         * The operation refuses the link's arguments on this service (no such cache or pool, one lock backend): a rule's
         * annotation named something this service does not have, or the service changed since the link was signed.
         */
        NOT_APPLICABLE(422, "ACTION_NOT_APPLICABLE"),
        /**
         * The link acts on one instance (a cache's breaker, an executor pool) and reached another, typically through a
         * load balancer: nothing was done and the link still works on the instance it names.
         */
        WRONG_INSTANCE(422, "ACTION_WRONG_INSTANCE");

        private final int status;
        private final String code;

        Reason(int status, String code) {
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;
    private final transient @Nullable ActionRecord record;

    public ActionException(Reason reason, String message) {
        this(reason, message, null);
    }

    public ActionException(Reason reason, String message, @Nullable ActionRecord record) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.record = record;
    }

    /** The message given to the constructor; never null. */
    @Override
    public String getMessage() {
        return Objects.requireNonNull(super.getMessage());
    }

    public Reason reason() {
        return reason;
    }

    /** For {@link Reason#ALREADY_DONE}: the earlier use. */
    public @Nullable ActionRecord record() {
        return record;
    }
}
