package dev.ballast.alert.internal;

import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper of the module. Thread-safe. */
final class Json {

    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {}
}
