package dev.ballast.example.brokerage.settlement;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ShutdownSignalException;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.RabbitUtils;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Before the settlement listener starts: declares {@code brokerage.settlement} as this version does (single active
 * consumer) and fails start-up if RabbitMQ already has the queue with other arguments, as an earlier version of the
 * example declared it. Spring's RabbitAdmin only logs such a refusal and the listener then consumes the old queue with
 * every other instance at once, handling an order's second event before its first, with health UP (found by a
 * black-box upgrade). A broker that cannot be reached now does not stop the start: the
 * outbox keeps the events, and RabbitAdmin declares the queue once the broker answers.
 */
final class SettlementQueueCheck implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(SettlementQueueCheck.class);

    private final ConnectionFactory connections;
    private final String queue;
    private final Map<String, Object> arguments;

    SettlementQueueCheck(ConnectionFactory connections, String queue, Map<String, Object> arguments) {
        this.connections = connections;
        this.queue = queue;
        this.arguments = Map.copyOf(arguments);
    }

    @Override
    public void afterSingletonsInstantiated() {
        // the connection's creation already runs RabbitAdmin's declarations, which RabbitMQ may refuse the same way
        try (Connection connection = connections.createConnection();
                Channel channel = connection.createChannel(false)) {
            channel.queueDeclare(queue, true, false, false, arguments);
        } catch (IOException | TimeoutException | AmqpException | ShutdownSignalException e) {
            if (RabbitUtils.isMismatchedQueueArgs(e)) { // RabbitMQ's 406 PRECONDITION_FAILED to queue.declare
                throw new IllegalStateException("RabbitMQ queue '" + queue + "' in virtual host '"
                        + connections.getVirtualHost() + "' exists with other arguments than this version declares "
                        + arguments + ": its consumers would compete, and an order's events could be handled out of"
                        + " order. To upgrade without losing a message: pause the outbox relays (the action"
                        + " outbox.relay.pause), let the running version empty the queue (no message ready or"
                        + " unacknowledged), stop it, delete the queue, start this version, then resume the relays"
                        + " (CHANGELOG.md)");
            }
            // not reachable now, say: the outbox keeps the events, and RabbitAdmin declares the queue once it answers
            log.warn(
                    "Could not check RabbitMQ queue {} at start-up ({}); it is declared once RabbitMQ answers",
                    queue,
                    e.toString());
        }
    }
}
