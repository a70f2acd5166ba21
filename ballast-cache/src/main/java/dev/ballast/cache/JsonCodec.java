package dev.ballast.cache;

import java.util.Objects;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** See {@link Codec#json(Class)}. Unknown properties fail decoding, so a changed shape never half-decodes. */
final class JsonCodec<V> implements Codec<V> {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Class<V> type;

    JsonCodec(Class<V> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    @Override
    public byte[] encode(V value) {
        return MAPPER.writeValueAsBytes(value);
    }

    @Override
    public V decode(byte[] bytes) {
        V value = MAPPER.readValue(bytes, type);
        if (value == null) {
            throw new IllegalArgumentException("JSON null is not a " + type.getSimpleName());
        }
        return value;
    }
}
