package dev.ballast.cache;

import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slots to L2 bytes ({@link Envelope} plus the codec's bytes) and back, with the size limit. Stateless apart from the
 * codec; thread-safe.
 */
final class EntryCodec {

    private static final Logger log = LoggerFactory.getLogger(EntryCodec.class);

    private final CacheSettings settings;
    private final Codec<Object> codec;
    private final double beta;

    @SuppressWarnings("unchecked")
    EntryCodec(CacheSettings settings, Codec<?> codec) {
        this.settings = settings;
        this.codec = (Codec<Object>) codec;
        this.beta = settings.earlyRefreshBeta();
    }

    /**
     * The codec's bytes of a value given to {@code put}.
     *
     * @throws CacheException if they are over {@link CacheSettings#maxValueBytes()}
     */
    byte[] payloadToPut(String k, Object value) {
        byte[] payload = codec.encode(value);
        if (payload.length > settings.maxValueBytes()) {
            throw new CacheException("Cache '" + settings.name() + "': value for key '" + k + "' is " + payload.length
                    + " bytes, over the limit of " + settings.maxValueBytes() + "; not stored");
        }
        return payload;
    }

    /** The L2 bytes of a loaded slot, or null if it must not be stored (oversized, or "no value" not cached). */
    byte @Nullable [] loaded(String k, Slot slot) {
        if (slot.absent()) {
            return settings.negativeTtl().isZero() ? null : Envelope.absent(slot.deltaMillis(), slot.expiresAtMillis());
        }
        byte[] payload = codec.encode(Objects.requireNonNull(slot.value(), "a present slot has a value"));
        if (payload.length > settings.maxValueBytes()) {
            log.warn(
                    "Cache '{}': loaded value for key '{}' is {} bytes, over the limit of {}; returned, not cached",
                    settings.name(),
                    k,
                    payload.length,
                    settings.maxValueBytes());
            return null;
        }
        return Envelope.value(payload, slot.deltaMillis(), slot.expiresAtMillis());
    }

    /** The Redis TTL of an entry: its logical lifetime left plus, for a value, the stale TTL. */
    long redisTtlMillis(Slot slot, long nowMillis) {
        long left = Math.max(1, slot.expiresAtMillis() - nowMillis);
        return slot.absent() ? left : left + settings.staleTtl().toMillis();
    }

    /**
     * The slot in L2 bytes.
     *
     * @throws RuntimeException if they are not an entry of this cache's format and value type
     */
    Slot decode(byte[] bytes) {
        Envelope.Header header = Envelope.header(bytes);
        Object value = header.absent() ? null : codec.decode(Arrays.copyOfRange(bytes, Envelope.HEADER, bytes.length));
        return Slot.of(value, header.absent(), header.deltaMillis(), header.expiresAtMillis(), beta);
    }
}
