/**
 * The settlement consumer: books one settlement per placed order from the {@code OrderPlaced} events, through the
 * inbox, whichever way the outbox delivers them (Kafka, RabbitMQ or in-process).
 */
@NullMarked
package dev.ballast.example.brokerage.settlement;

import org.jspecify.annotations.NullMarked;
