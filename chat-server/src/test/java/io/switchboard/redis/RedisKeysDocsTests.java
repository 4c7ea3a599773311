package io.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** docs/operations.md's table of Redis keys and channels names exactly what {@link RedisKeys} does. */
class RedisKeysDocsTests {

    @Test
    void theOperationsGuideListsEveryKeyAndChannelAndNoOther() throws IOException {
        String operations = Files.readString(Command.ROOT.resolve("docs/operations.md"));
        int section = operations.indexOf("## Redis keys and channels");
        assertThat(section).as("the section").isNotNegative();
        int end = operations.indexOf("\n## ", section + 1);
        List<String> documented = new ArrayList<>();
        for (String line : operations.substring(section, end < 0 ? operations.length() : end).split("\n")) {
            if (line.startsWith("| ") && !line.startsWith("| key") && !line.startsWith("| ---")) {
                String first = line.substring(2, line.indexOf(" |", 2)).strip();
                documented.add(first.replace("`", ""));
            }
        }
        assertThat(documented).containsExactlyInAnyOrderElementsOf(RedisKeys.layout());
    }
}
