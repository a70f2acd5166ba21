package dev.ballast.cache;

/**
 * Turns values into the bytes stored in L2 and back. Implementations are thread-safe. A decode failure must throw
 * (any RuntimeException): the cache then treats the entry as corrupt, evicts it and loads afresh.
 *
 * @param <V> the value type
 */
public interface Codec<V> {

    /** The bytes of {@code value}. */
    byte[] encode(V value);

    /** The value in {@code bytes}; throws if they are not a valid encoding of a {@code V}. */
    V decode(byte[] bytes);

    /** JSON through Jackson, bound to {@code type}: bytes of any other shape fail to decode. Never JDK serialization. */
    static <V> Codec<V> json(Class<V> type) {
        return new JsonCodec<>(type);
    }
}
