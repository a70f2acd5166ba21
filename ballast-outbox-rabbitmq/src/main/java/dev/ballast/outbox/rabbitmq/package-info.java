/**
 * RabbitMQ delivery for the outbox: {@link dev.ballast.outbox.rabbitmq.RabbitOutboxPublisher} (publisher confirms,
 * mandatory, persistent; one exchange per aggregate type through {@link dev.ballast.outbox.rabbitmq.ExchangeRouter})
 * and {@link dev.ballast.outbox.rabbitmq.RabbitInbox} for consumers.
 */
@NullMarked
package dev.ballast.outbox.rabbitmq;

import org.jspecify.annotations.NullMarked;
