package io.switchboard.bench.client;

import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper of the benchmark (thread-safe once built). */
public final class Json {

    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {
    }
}
