package dev.ballast.outbox.internal;

import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Headers and attempt logs as JSON text (keys sorted, so the text is canonical for hashing). */
final class Json {

    static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final TypeReference<TreeMap<String, String>> HEADERS = new TypeReference<>() {};

    private Json() {}

    static String headers(Map<String, String> headers) {
        return MAPPER.writeValueAsString(new TreeMap<>(headers));
    }

    static Map<String, String> headers(String json) {
        return MAPPER.readValue(json, HEADERS);
    }
}
