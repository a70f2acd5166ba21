package dev.ballast.boot.autoconfigure.outbox;

import dev.ballast.outbox.inbox.Inbox;
import dev.ballast.outbox.inbox.InboxPurgeSchedule;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;

/**
 * Purges the inbox beans' rows past their retention ({@link Inbox#purgeExpired()}) every {@code
 * ballast.outbox.inbox.purge-interval} on a thread of its own ({@link InboxPurgeSchedule}) from the context's start to
 * its close. A failing purge is logged and tried again at the next run; it never stops the application.
 */
final class InboxPurgeLifecycle implements SmartLifecycle {

    private final ObjectProvider<Inbox> inboxes;
    private final Duration interval;
    private @Nullable InboxPurgeSchedule schedule;

    InboxPurgeLifecycle(ObjectProvider<Inbox> inboxes, Duration interval) {
        this.inboxes = inboxes;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        if (schedule == null) {
            List<Inbox> all = inboxes.orderedStream().toList();
            schedule = InboxPurgeSchedule.start(all, interval);
        }
    }

    @Override
    public synchronized void stop() {
        if (schedule != null) {
            schedule.close();
            schedule = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return schedule != null;
    }
}
