/**
 * Kafka delivery for the outbox: {@link dev.ballast.outbox.kafka.KafkaOutboxPublisher} (idempotent producer, key =
 * aggregate id, one topic per event type through {@link dev.ballast.outbox.kafka.TopicRouter}) and {@link
 * dev.ballast.outbox.kafka.KafkaInbox} for consumers.
 */
@NullMarked
package dev.ballast.outbox.kafka;

import org.jspecify.annotations.NullMarked;
