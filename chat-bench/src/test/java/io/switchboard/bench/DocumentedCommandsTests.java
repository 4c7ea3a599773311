package io.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.switchboard.support.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every {@code scripts/bench} command in docs/benchmarks.md parses as written (picocli only: nothing
 * runs), so an option renamed or a value form changed shows here rather than on an operator's
 * machine. chat-server's DocsCommandsTests holds the same docs to their paths and scripts.
 */
class DocumentedCommandsTests {

    private static final Path DOC = Command.ROOT.resolve("docs/benchmarks.md");
    private static final Pattern SH_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);
    private static final String BENCH = "scripts/bench";
    private static final Set<String> SEPARATORS = Set.of(";", "&&", "||", "|");

    @Test
    void everyBenchCommandInTheBenchmarksDocParsesAsWritten() throws IOException {
        List<List<String>> commands = benchCommands(Files.readString(DOC));

        assertThat(commands).extracting(List::getFirst)
                .containsOnly("compare", "capacity", "sweep", "fanout", "drain", "soak", "storm");
        for (List<String> args : commands) {
            assertThatCode(() -> Bench.commandLine().parseArgs(args.toArray(String[]::new)))
                    .as("scripts/bench %s", String.join(" ", args)).doesNotThrowAnyException();
        }
    }

    /** The arguments after each {@code scripts/bench} in the document's sh blocks. */
    private static List<List<String>> benchCommands(String markdown) {
        List<List<String>> commands = new ArrayList<>();
        Matcher block = SH_BLOCK.matcher(markdown);
        while (block.find()) {
            for (String line : block.group(1).replace("\\\n", " ").split("\n")) {
                List<String> words = words(line);
                int bench = words.indexOf(BENCH);
                if (bench < 0) {
                    continue;
                }
                List<String> args = new ArrayList<>();
                for (String word : words.subList(bench + 1, words.size())) {
                    if (SEPARATORS.contains(word)) {
                        break;
                    }
                    args.add(word);
                }
                commands.add(args);
            }
        }
        return commands;
    }

    /** A line split as sh splits it, for what these blocks hold: quotes removed, a comment dropped, ';' a word. */
    private static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                word = word == null ? new StringBuilder() : word;
            } else if (Character.isWhitespace(c) || c == ';') {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
                if (c == ';') {
                    words.add(";");
                }
            } else if (c == '#' && word == null) {
                break;
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }
}
