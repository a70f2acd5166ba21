package dev.ballast.outbox.internal;

import dev.ballast.core.alert.Alert;
import dev.ballast.core.alert.AlertSink;
import dev.ballast.core.alert.Severity;
import dev.ballast.outbox.DeadLetterReason;
import dev.ballast.outbox.OutboxHeaders;
import dev.ballast.outbox.OutboxMessage;
import dev.ballast.outbox.inbox.Inbox;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer's inbox dead letters ({@code <prefix>inbox_dlq}): a message without readable Ballast headers, one that
 * failed its integrity check, one its handler kept failing on. Each is written on the caller's connection with the
 * Ballast headers it had and its body, and reported (ERROR log under {@code Inbox}'s name; CRITICAL alerts for an
 * integrity violation and a handler given up on). Immutable and thread-safe.
 */
public final class InboxDeadLetters {

    private static final Logger log = LoggerFactory.getLogger(Inbox.class);
    /** The headers kept with a dead letter: the Ballast ones, as far as the message has them. */
    private static final String[] KEPT = {
        OutboxHeaders.EVENT_ID,
        OutboxHeaders.EVENT_TYPE,
        OutboxHeaders.AGGREGATE_TYPE,
        OutboxHeaders.AGGREGATE_ID,
        OutboxHeaders.SEQUENCE,
        OutboxHeaders.REQUEST_ID,
        OutboxHeaders.OCCURRED_AT,
        OutboxHeaders.HEADERS,
        OutboxHeaders.CONTENT_HASH,
        OutboxHeaders.CONTENT_HASH_FORMAT,
        OutboxHeaders.TRACEPARENT
    };

    private final InboxStore store;
    private final String consumer;
    private final AlertSink alerts;
    private final Clock clock;

    public InboxDeadLetters(InboxStore store, String consumer, AlertSink alerts, Clock clock) {
        this.store = store;
        this.consumer = consumer;
        this.alerts = alerts;
        this.clock = clock;
    }

    /** A message whose Ballast headers are missing or unreadable ({@code problem}): {@code MALFORMED}. */
    public void malformed(
            Connection connection, Function<String, @Nullable String> header, byte[] payload, String problem)
            throws SQLException {
        write(connection, header.apply(OutboxHeaders.EVENT_ID), DeadLetterReason.MALFORMED, problem, header, payload);
        log.error(
                "Inbox {}: received a message without readable Ballast headers ({}); dead-lettered", consumer, problem);
    }

    /** A message whose content does not match its hash: {@code INTEGRITY_VIOLATION} and a CRITICAL alert. */
    public void integrityViolation(
            Connection connection, OutboxMessage message, Function<String, @Nullable String> header, byte[] payload)
            throws SQLException {
        write(
                connection,
                message.eventId(),
                DeadLetterReason.INTEGRITY_VIOLATION,
                "content hash mismatch (" + message.contentHashFormat() + ")",
                header,
                payload);
        log.error(
                "Inbox {}: event {} ({} of {} {}) failed its integrity check; dead-lettered, not handled",
                consumer,
                message.eventId(),
                message.eventType(),
                message.aggregateType(),
                message.aggregateId());
        alerts.send(Alert.builder(Severity.CRITICAL, "Consumed event failed its integrity check")
                .detail("Consumer " + consumer + " received event " + message.eventId() + " (" + message.eventType()
                        + " of " + message.aggregateType() + " " + message.aggregateId() + " #"
                        + message.aggregateSequence() + ") whose content does not match its hash: it was altered"
                        + " after it left the outbox. It was not handled; it is in the inbox dead letters as"
                        + " INTEGRITY_VIOLATION.")
                .label("module", "inbox")
                .fingerprint("inbox-integrity|" + consumer + "|" + message.eventId())
                .build());
    }

    /** A message its handler failed on every time: {@code HANDLER_FAILED} with the failure's class and message. */
    public void handlerFailed(
            Connection connection, Function<String, @Nullable String> header, byte[] payload, Throwable failure)
            throws SQLException {
        String cause = failure.getClass().getName() + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
        write(
                connection,
                header.apply(OutboxHeaders.EVENT_ID),
                DeadLetterReason.HANDLER_FAILED,
                cause,
                header,
                payload);
    }

    /** Reports a {@link #handlerFailed} dead letter once it is committed: an ERROR log and a CRITICAL alert. */
    public void reportHandlerFailed(Function<String, @Nullable String> header, Throwable failure) {
        String eventId = header.apply(OutboxHeaders.EVENT_ID);
        String what = header.apply(OutboxHeaders.EVENT_TYPE) + " of " + header.apply(OutboxHeaders.AGGREGATE_TYPE) + " "
                + header.apply(OutboxHeaders.AGGREGATE_ID);
        log.error(
                "Inbox {}: gave up on event {} ({}) after its handler failed with {}; dead-lettered as HANDLER_FAILED",
                consumer,
                eventId,
                what,
                failure.getClass().getName());
        alerts.send(Alert.builder(Severity.CRITICAL, "Consumed event dead-lettered: its handler failed")
                .detail("Consumer " + consumer + " gave up on event " + eventId + " (" + what + ") after its handler"
                        + " failed on every attempt with " + failure.getClass().getSimpleName() + ". Its effect is"
                        + " not applied; it is in the inbox dead letters as HANDLER_FAILED with the failure.")
                .label("module", "inbox")
                .fingerprint("inbox-handler-failed|" + consumer + "|" + eventId)
                .build());
    }

    private void write(
            Connection connection,
            @Nullable String eventId,
            DeadLetterReason reason,
            String detail,
            Function<String, @Nullable String> header,
            byte[] payload)
            throws SQLException {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : KEPT) {
            String value = header.apply(name);
            if (value != null) {
                headers.put(name, value);
            }
        }
        String id = eventId != null && eventId.length() <= 64 ? eventId : null;
        store.deadLetter(connection, consumer, id, reason.name(), detail, headers, payload, clock.instant());
    }
}
