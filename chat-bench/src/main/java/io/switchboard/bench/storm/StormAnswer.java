package io.switchboard.bench.storm;

import io.switchboard.bench.client.Json;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What one storm worker answers after a {@code join}: one JSON line.
 *
 * @param joined clients in their room when the worker answered
 * @param micros from the worker's first connect until its last client was in (or timed out)
 * @param joinMicros each joined client's time from its connect to its {@code joined}, in microseconds
 * @param failed clients not in their room after the join timeout, by their last error
 * @param errors every error the clients saw (and retried past, or not), by kind
 */
record StormAnswer(long joined, long micros, Histogram joinMicros, Map<String, Long> failed, Map<String, Long> errors) {

    String line() {
        ByteBuffer buffer = ByteBuffer.allocate(joinMicros.getNeededByteBufferCapacity());
        int length = joinMicros.encodeIntoCompressedByteBuffer(buffer);
        ObjectNode line = Json.MAPPER.createObjectNode().put("joined", joined).put("micros", micros)
                .put("histogram", Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length)));
        line.set("failed", Json.MAPPER.valueToTree(failed));
        line.set("errors", Json.MAPPER.valueToTree(errors));
        return line.toString();
    }

    static StormAnswer parse(String line) {
        JsonNode node = Json.MAPPER.readTree(line);
        Histogram histogram;
        try {
            histogram = Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(node.path("histogram").asString())), 0);
        } catch (DataFormatException e) {
            throw new IllegalStateException("a storm worker answered an unreadable histogram", e);
        }
        return new StormAnswer(node.path("joined").asLong(), node.path("micros").asLong(), histogram,
                counts(node.path("failed")), counts(node.path("errors")));
    }

    private static Map<String, Long> counts(JsonNode object) {
        Map<String, Long> counts = new TreeMap<>();
        object.properties().forEach(entry -> counts.put(entry.getKey(), entry.getValue().asLong()));
        return counts;
    }
}
