package dev.ballast.alert.internal;

import dev.ballast.alert.Channel;
import dev.ballast.alert.DeliveryResult;
import dev.ballast.alert.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** Messages to the log (logger {@code ballast.alert}): CRITICAL at ERROR, WARNING at WARN, INFO at INFO. Thread-safe. */
public final class LogChannel implements Channel {

    private static final Logger log = LoggerFactory.getLogger("ballast.alert");

    private final String name;

    public LogChannel(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Kind kind() {
        return Kind.LOG;
    }

    @Override
    public DeliveryResult deliver(Message message) {
        Level level =
                switch (message.severity()) {
                    case CRITICAL -> Level.ERROR;
                    case WARNING -> Level.WARN;
                    case INFO -> Level.INFO;
                };
        if (message.kind() == Message.Kind.RESOLVED || message.kind() == Message.Kind.HEARTBEAT) {
            level = Level.INFO;
        }
        String detail = MessageText.detail(message);
        log.atLevel(level)
                .addKeyValue("severity", message.severity().name())
                .addKeyValue("fingerprint", message.fingerprint())
                .addKeyValue("kind", message.kind().name())
                .addKeyValue("instance", message.instance() == null ? "" : message.instance())
                .log("{}{}", MessageText.headline(message), detail.isEmpty() ? "" : ": " + detail);
        return DeliveryResult.delivered();
    }
}
