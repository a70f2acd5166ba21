package dev.ballast.alert.internal;

import dev.ballast.alert.Message;

/** A message for one channel. */
public record Delivery(String channel, Message message) {}
