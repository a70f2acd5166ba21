package dev.ballast.alert.internal;

import dev.ballast.alert.Message;
import dev.ballast.core.alert.Severity;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A bounded queue of messages for one channel, CRITICAL taken first. When full, an INFO offered is dropped; a WARNING
 * or CRITICAL pushes out the newest INFO; failing that a WARNING is dropped and a CRITICAL is refused so the caller
 * writes it to the file ({@link Offer#SPILL}). Thread-safe: the dispatcher offers, the channel's worker takes.
 */
final class ChannelQueue {

    /** What became of an offer. */
    enum Offer {
        QUEUED,
        /** Queued after dropping an INFO message already waiting. */
        QUEUED_DROPPING_INFO,
        /** Not queued; the message is dropped (INFO or WARNING). */
        DROPPED,
        /** Not queued; a CRITICAL message the caller must write elsewhere. */
        SPILL
    }

    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();

    @SuppressWarnings({"unchecked", "rawtypes"}) // an array of a generic type can only be created raw
    private final ArrayDeque<Message>[] bySeverity = new ArrayDeque[Severity.values().length];

    private int size;
    private boolean taken; // a message polled and not yet reported done: the worker is delivering it

    ChannelQueue(int capacity) {
        this.capacity = capacity;
        for (int i = 0; i < bySeverity.length; i++) {
            bySeverity[i] = new ArrayDeque<>();
        }
    }

    Offer offer(Message message) {
        lock.lock();
        try {
            Offer result = Offer.QUEUED;
            if (size >= capacity) {
                if (message.severity() == Severity.INFO) {
                    return Offer.DROPPED;
                }
                ArrayDeque<Message> infos = bySeverity[Severity.INFO.ordinal()];
                if (infos.isEmpty()) {
                    return message.severity() == Severity.CRITICAL ? Offer.SPILL : Offer.DROPPED;
                }
                infos.removeLast();
                size--;
                result = Offer.QUEUED_DROPPING_INFO;
            }
            bySeverity[message.severity().ordinal()].addLast(message);
            size++;
            notEmpty.signal();
            return result;
        } finally {
            lock.unlock();
        }
    }

    @Nullable
    Message poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (size == 0) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            for (ArrayDeque<Message> queue : bySeverity) {
                Message message = queue.pollFirst();
                if (message != null) {
                    size--;
                    taken = true;
                    return message;
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Empties the queue, returning what was in it. */
    List<Message> drain() {
        lock.lock();
        try {
            List<Message> all = new ArrayList<>(size);
            for (ArrayDeque<Message> queue : bySeverity) {
                all.addAll(queue);
                queue.clear();
            }
            size = 0;
            return all;
        } finally {
            lock.unlock();
        }
    }

    /** The worker is done with the message it polled last (delivered, or written elsewhere). */
    void done() {
        lock.lock();
        try {
            taken = false;
        } finally {
            lock.unlock();
        }
    }

    /** Nothing waits and nothing polled is still being delivered. */
    boolean idle() {
        lock.lock();
        try {
            return size == 0 && !taken;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }
}
