package dev.ballast.cache;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache's channel {@code ballast:cache:<name>#events}: numbered invalidations ({@code I|origin|seq|sentMicros|key},
 * {@code C|origin|seq|sentMicros}) and "released" signals of load leases ({@code R|<version>|<key length>|<key>[value]}).
 * Detects lost invalidations (a number that is not the next one, or the periodic counter check) and asks for a resync.
 *
 * <p>Concurrency: messages arrive on Lettuce's event thread, checks and recovery on the scheduler, the opened
 * notification on a caller's thread; the only state, the sequence, is guarded by {@link SequenceTracker}'s lock.
 */
final class InvalidationChannel implements RedisLink.Listener {

    private static final Logger log = LoggerFactory.getLogger(InvalidationChannel.class);

    private final String cache;
    private final RedisKeys keys;
    private final RedisLink link;
    private final CacheMeters meters;
    private final L2Events events;
    private final String origin = UUID.randomUUID().toString();
    private final byte[] readyPrefix;
    private final SequenceTracker sequence;

    /** Starts from the invalidation counter's current value (0 if Redis does not answer). */
    InvalidationChannel(String cache, RedisKeys keys, RedisLink link, CacheMeters meters, L2Events events) {
        this.cache = cache;
        this.keys = keys;
        this.link = link;
        this.meters = meters;
        this.events = events;
        this.readyPrefix = RedisKeys.bytes(keys.readyPrefix());
        Long start = counter();
        this.sequence = new SequenceTracker(start == null ? 0 : start);
    }

    /** The id of this instance in the messages it publishes: its own invalidations are not applied twice. */
    String origin() {
        return origin;
    }

    /** {@code R|<version>|<key length in bytes>|<key>}; the holder's value may follow. */
    byte[] readyMessage(String keyText) {
        byte[] key = RedisKeys.bytes(keyText);
        byte[] head = RedisKeys.bytes(keys.readyPrefix() + key.length + "|");
        byte[] message = Arrays.copyOf(head, head.length + key.length);
        System.arraycopy(key, 0, message, head.length, key.length);
        return message;
    }

    /** Wall clock in microseconds: invalidation delays are compared across instances (hosts' clocks in sync). */
    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    @Override
    public void message(byte[] raw) {
        try {
            if (raw.length > 1 && raw[0] == 'R' && raw[1] == '|') {
                onReleased(raw);
                return;
            }
            String[] parts = new String(raw, StandardCharsets.UTF_8).split("\\|", 5);
            long seq = Long.parseLong(parts[2]);
            if (sequence.message(seq)) {
                resync("gap");
            }
            if (origin.equals(parts[1])) {
                return;
            }
            meters.invalidationReceived(Duration.ofNanos((nowMicros() - Long.parseLong(parts[3])) * 1000));
            if (parts[0].equals("C")) {
                events.cleared();
            } else {
                events.invalidated(parts[4]);
            }
        } catch (RuntimeException e) {
            log.warn("Cache '{}': unreadable invalidation message ignored; L1 cleared to be safe", cache, e);
            resync("unreadable");
        }
    }

    @Override
    public void resubscribed() {
        resync("reconnect");
        events.linkChanged();
    }

    @Override
    public void opened() {
        events.linkChanged();
    }

    @Override
    public void recovered(long counter) {
        sequence.reset(counter);
        resync("recovered");
        events.linkChanged();
    }

    @Override
    public void check() {
        Long current = counter();
        if (current != null && sequence.check(current)) {
            resync("gap");
        }
    }

    private @Nullable Long counter() {
        return link.call("GET", redis -> {
            byte[] value = redis.get(keys.seq());
            return value == null ? 0 : Long.parseLong(new String(value, StandardCharsets.US_ASCII));
        });
    }

    /** Only this version's signals concern this cache. */
    private void onReleased(byte[] raw) {
        byte[] prefix = readyPrefix;
        if (raw.length < prefix.length || !Arrays.equals(raw, 0, prefix.length, prefix, 0, prefix.length)) {
            return; // another version's lease
        }
        int bar = prefix.length;
        while (raw[bar] != '|') {
            bar++;
        }
        int length = Integer.parseInt(new String(raw, prefix.length, bar - prefix.length, StandardCharsets.US_ASCII));
        int keyStart = bar + 1;
        String keyText = new String(raw, keyStart, length, StandardCharsets.UTF_8);
        int valueStart = keyStart + length;
        events.released(keyText, valueStart < raw.length ? Arrays.copyOfRange(raw, valueStart, raw.length) : null);
    }

    private void resync(String reason) {
        meters.resync(reason);
        events.resync(reason);
    }
}
