package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Command;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The commands of README.md and docs/*.md, checked as a reader on a fresh machine would paste them.
 *
 * <p><b>Which blocks claim to be runnable.</b> Every fenced block names its language. Blocks fenced
 * {@code ```sh} (or {@code bash}, {@code shell}) are commands to paste, and are checked; blocks in
 * any other language ({@code json}, {@code js}) are not commands. A block fenced without a language
 * fails this test, so that no command escapes it. Inside a command block, what belongs to the
 * reader's own deployment ({@code http://node-a:8081}, {@code PORT}, {@code pod/POD}) is a template
 * and is not checked; what this repository provides is.
 *
 * <p><b>What is checked</b>, in every simple command of a command block and in every command inside
 * its {@code $(...)}:
 * <ul>
 * <li>a command word with a slash ({@code scripts/cluster}, {@code ./mvnw}) is an executable file of
 *     the repository;</li>
 * <li>a word that starts with {@code ./} or whose first path segment is a top-level file or folder
 *     of the repository ({@code deploy/haproxy.cfg}, {@code k8s/}) exists, or was written by a
 *     redirection earlier in the same block ({@code > .env}); under {@code chat-server/target/} the
 *     only file a command may name is the node's jar, {@code chat-server-<version>.jar} with the
 *     version of the pom, which {@code ./mvnw package} makes (this test runs before it);</li>
 * <li>no unquoted glob also matches the tests jar ({@code chat-server-<version>-tests.jar}, which
 *     sorts first, so {@code java -jar chat-server/target/chat-server-*.jar} starts the wrong one);</li>
 * <li>no {@code java -jar} uses a bare {@code java} (Debian 12's is 17, which cannot run the node),
 *     and the {@code java} a command names is 21 or newer;</li>
 * <li>the commands that need neither Docker nor a long-running server, and cost a second
 *     ({@code scripts/token}, {@code scripts/java21}, {@code haproxy -c}), are run as written, from
 *     the repository's root, and must succeed.</li>
 * </ul>
 */
class DocsCommandsTests {

    private static final Set<String> COMMAND_LANGUAGES = Set.of("sh", "bash", "shell");
    /** Words that open a compound command or wrap the command that follows. */
    private static final Set<String> PREFIXES = Set.of("do", "then", "else", "elif", "if", "while", "until", "!",
            "{", "time", "exec", "nohup");
    private static final Pattern ASSIGNMENT = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*=(.*)$", Pattern.DOTALL);
    private static final Pattern JWT = Pattern.compile("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$");

    private static List<Block> blocks;
    private static Set<String> topLevel;
    private static String nodeJar;
    private static String testsJar;

    @BeforeAll
    static void readTheDocs() throws Exception {
        List<Path> documents = new ArrayList<>(List.of(Command.ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(Command.ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        blocks = new ArrayList<>();
        for (Path document : documents) {
            blocks.addAll(fencedBlocks(document));
        }
        try (Stream<Path> entries = Files.list(Command.ROOT)) {
            topLevel = entries.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
        String version = XPathFactory.newInstance().newXPath().evaluate("/project/version",
                DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Command.ROOT.resolve("pom.xml").toFile()));
        assertThat(version).isNotBlank();
        nodeJar = "chat-server/target/chat-server-" + version + ".jar";
        testsJar = "chat-server/target/chat-server-" + version + "-tests.jar";
    }

    @Test
    void everyFencedBlockNamesItsLanguage() {
        assertThat(blocks).as("fenced blocks in README.md and docs/").hasSizeGreaterThan(10);
        assertThat(blocks).filteredOn(block -> block.language().isEmpty())
                .as("blocks fenced without a language (```sh for commands, ```json, ```js, ...)").isEmpty();
    }

    @Test
    void commandsNameOnlyWhatTheRepositoryHasAndAJavaThatRunsTheNode() {
        List<String> problems = new ArrayList<>();
        int commands = 0;
        for (Block block : commandBlocks()) {
            Set<Path> written = new HashSet<>();
            for (SimpleCommand command : Shell.parse(block.text())) {
                commands++;
                String where = block.where() + ": " + command.source();
                for (String target : command.writes()) {
                    if (!target.startsWith("/") && !target.contains("$")) {
                        written.add(relative(target));
                    }
                }
                for (String source : command.reads()) {
                    checkPath(source, false, written, where, problems);
                }
                List<Word> words = command.words();
                int first = 0;
                while (first < words.size() && (PREFIXES.contains(words.get(first).text())
                        || ASSIGNMENT.matcher(words.get(first).text()).matches())) {
                    Matcher assignment = ASSIGNMENT.matcher(words.get(first).text());
                    if (assignment.matches() && !words.get(first).expanded()) {
                        checkWord(new Word(assignment.group(1), assignment.group(1), false, false), false, written, where,
                                problems);
                    }
                    first++;
                }
                if (first == words.size() || "for".equals(words.get(first).text())) {
                    continue;
                }
                Word name = words.get(first);
                List<Word> arguments = words.subList(first + 1, words.size());
                checkWord(name, true, written, where, problems);
                arguments.forEach(argument -> checkWord(argument, false, written, where, problems));
                if (name.text().equals("java") || name.text().endsWith("/java")) {
                    checkJava(name, arguments, where, problems);
                }
            }
        }
        assertThat(problems).as("commands in README.md and docs/ that do not run as written").isEmpty();
        assertThat(commands).as("commands found in the command blocks").isGreaterThan(20);
    }

    @Test
    void theCheapCommandsRunAsWritten() {
        List<String> ran = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Block block : commandBlocks()) {
            for (SimpleCommand command : Shell.parse(block.text())) {
                List<String> words = command.words().stream().map(Word::text).toList();
                String name = words.isEmpty() ? "" : words.getFirst();
                boolean cheap = name.equals("scripts/token") || name.equals("scripts/java21")
                        || name.equals("haproxy") && words.contains("-c");
                if (!cheap) {
                    continue;
                }
                Command.require(name.equals("scripts/token") ? "openssl" : name.equals("haproxy") ? "haproxy" : "bash");
                Command.Result result = Command.run(List.of("bash", "-c", command.source()), Map.of(), 60);
                ran.add(command.source());
                if (result.exitCode() != 0) {
                    problems.add(block.where() + ": " + command.source() + " exited " + result.exitCode() + ": "
                            + result.output());
                } else if (name.equals("scripts/token") && !JWT.matcher(result.output().strip()).matches()) {
                    problems.add(block.where() + ": " + command.source() + " printed no token: " + result.output());
                }
            }
        }
        assertThat(ran).as("scripts/token as docs/security.md documents it")
                .anyMatch(command -> command.startsWith("scripts/token "));
        assertThat(problems).isEmpty();
    }

    private static List<Block> commandBlocks() {
        return blocks.stream().filter(block -> COMMAND_LANGUAGES.contains(block.language())).toList();
    }

    /** A command word with a slash must be an executable of the repository; any other word that names a path of
     * the repository must exist (or be written earlier in its block), and no glob may match the tests jar. */
    private static void checkWord(Word word, boolean commandName, Set<Path> written, String where, List<String> problems) {
        String text = word.text();
        if (word.globbed()) {
            PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + word.glob());
            if (glob.matches(Path.of(testsJar))) {
                problems.add(where + ": " + text + " also matches the tests jar " + testsJar + "; name " + nodeJar);
            }
            return;
        }
        if (word.expanded()) {
            return;
        }
        if (commandName) {
            if (text.contains("/")) {
                checkPath(text, true, written, where, problems);
            }
            return;
        }
        // --option=value: the value
        int equals = text.indexOf('=');
        if (text.startsWith("-") && equals > 0) {
            text = text.substring(equals + 1);
        }
        checkPath(text, false, written, where, problems);
    }

    private static void checkPath(String text, boolean executable, Set<Path> written, String where, List<String> problems) {
        if (!isRepositoryPath(text)) {
            return;
        }
        Path path = relative(text);
        if (path.startsWith("chat-server/target")) {
            if (!path.equals(Path.of(nodeJar))) {
                problems.add(where + ": " + text + " is not what the build makes in chat-server/target/ (" + nodeJar + ")");
            }
            return;
        }
        Path file = Command.ROOT.resolve(path);
        if (written.contains(path)) {
            return;
        }
        if (!Files.exists(file)) {
            problems.add(where + ": " + text + " does not exist");
        } else if (executable && !Files.isExecutable(file)) {
            problems.add(where + ": " + text + " is not executable");
        }
    }

    /** Names a path in this repository: starts with ./ or ../, or its first segment is a top-level entry. */
    private static boolean isRepositoryPath(String text) {
        if (text.contains("://") || text.startsWith("/") || text.startsWith("-") || text.startsWith("~")) {
            return false;
        }
        if (text.startsWith("./") || text.startsWith("../")) {
            return true;
        }
        int slash = text.indexOf('/');
        return slash > 0 && topLevel.contains(text.substring(0, slash));
    }

    private static Path relative(String text) {
        return Command.ROOT.relativize(Command.ROOT.resolve(text).normalize());
    }

    /** {@code java -jar} never with Debian's default java (17); the java a command names must be 21 or newer. */
    private static void checkJava(Word name, List<Word> arguments, String where, List<String> problems) {
        if (name.text().equals("java") && !name.expanded()) {
            if (arguments.stream().anyMatch(argument -> argument.text().equals("-jar"))) {
                problems.add(where + ": a bare java is Debian's 17, which cannot run the node; use \"$(scripts/java21)/bin/java\"");
            }
            return;
        }
        Command.Result version = Command.run(List.of("bash", "-c", name.raw() + " -version"), Map.of(), 30);
        Matcher major = Pattern.compile("version \"(\\d+)").matcher(version.output());
        if (version.exitCode() != 0 || !major.find() || Integer.parseInt(major.group(1)) < 21) {
            problems.add(where + ": " + name.raw() + " is not a java 21 or newer: " + version.output());
        }
    }

    /** The fenced blocks of a Markdown file, with their language (the info string's first word) and line. */
    private static List<Block> fencedBlocks(Path document) throws IOException {
        List<Block> found = new ArrayList<>();
        List<String> lines = Files.readAllLines(document);
        String name = Command.ROOT.relativize(document).toString();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = Pattern.compile("^ {0,3}(`{3,}|~{3,})\\s*(\\S*).*$").matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            String fence = open.group(1);
            StringBuilder text = new StringBuilder();
            int start = i + 1;
            i++;
            while (i < lines.size() && !lines.get(i).strip().startsWith(fence)) {
                text.append(lines.get(i)).append('\n');
                i++;
            }
            found.add(new Block(name, start, open.group(2), text.toString()));
        }
        return found;
    }

    record Block(String file, int line, String language, String text) {
        String where() {
            return file + ":" + line;
        }
    }

    /**
     * A word of a command: {@code text} with quotes and escapes removed, {@code raw} as written,
     * {@code glob} as a java.nio glob (quoted characters escaped), whether an unquoted glob character
     * or a {@code $} expansion is in it.
     */
    record Word(String text, String raw, String glob, boolean globbed, boolean expanded) {
        Word(String text, String raw, boolean globbed, boolean expanded) {
            this(text, raw, text, globbed, expanded);
        }
    }

    /** One simple command: its words, the files its redirections write and read, its source text. */
    record SimpleCommand(List<Word> words, List<String> writes, List<String> reads, String source) {}

    /**
     * Just enough of the shell's grammar for documentation: quotes, backslashes and line continuations,
     * comments, {@code ; & | && || ( )} and newlines between commands, redirections, and {@code $(...)},
     * whose commands are parsed too. No aliases, functions, here-documents or backquotes.
     */
    static final class Shell {

        private enum Redirect { NONE, WRITE, READ, DESCRIPTOR }

        private final String s;
        private final List<SimpleCommand> commands = new ArrayList<>();
        private List<Word> words = new ArrayList<>();
        private List<String> writes = new ArrayList<>();
        private List<String> reads = new ArrayList<>();
        private final StringBuilder text = new StringBuilder();
        private final StringBuilder raw = new StringBuilder();
        private final StringBuilder glob = new StringBuilder();
        private boolean inWord;
        private boolean quoted;
        private boolean globbed;
        private boolean expanded;
        private Redirect redirect = Redirect.NONE;
        private int start;

        private Shell(String source) {
            this.s = source.replace("\\\n", " ");
        }

        static List<SimpleCommand> parse(String source) {
            Shell shell = new Shell(source);
            shell.run();
            return shell.commands;
        }

        private void run() {
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '\'') {
                    int end = s.indexOf('\'', i + 1);
                    if (end < 0) {
                        throw new IllegalArgumentException("unclosed ' in: " + s);
                    }
                    literal(s.substring(i + 1, end), s.substring(i, end + 1));
                    i = end + 1;
                } else if (c == '"') {
                    i = doubleQuoted(i);
                } else if (c == '\\' && i + 1 < s.length()) {
                    literal(s.substring(i + 1, i + 2), s.substring(i, i + 2));
                    i += 2;
                } else if (c == '$') {
                    i = expansion(i);
                } else if (c == '#' && !inWord) {
                    int end = s.indexOf('\n', i);
                    i = end < 0 ? s.length() : end;
                } else if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
                    endWord();
                    endCommand(i);
                    i++;
                } else if (Character.isWhitespace(c)) {
                    endWord();
                    i++;
                } else if (c == '>' || c == '<') {
                    if (inWord && !quoted && text.toString().chars().allMatch(Character::isDigit)) {
                        discardWord(); // 2>file: a descriptor, not a word
                    } else {
                        endWord();
                    }
                    redirect = c == '>' ? Redirect.WRITE : Redirect.READ;
                    i++;
                    if (i < s.length() && s.charAt(i) == '>') {
                        i++;
                    }
                    if (i < s.length() && s.charAt(i) == '&') {
                        redirect = Redirect.DESCRIPTOR;
                        i++;
                    }
                } else {
                    if (c == '*' || c == '?' || c == '[') {
                        globbed = true;
                    }
                    text.append(c);
                    raw.append(c);
                    glob.append(c);
                    inWord = true;
                    i++;
                }
            }
            endWord();
            endCommand(s.length());
        }

        private int doubleQuoted(int i) {
            int j = i + 1;
            raw.append('"');
            inWord = true;
            quoted = true;
            while (j < s.length() && s.charAt(j) != '"') {
                char d = s.charAt(j);
                if (d == '\\' && j + 1 < s.length() && "\"\\$`".indexOf(s.charAt(j + 1)) >= 0) {
                    literal(s.substring(j + 1, j + 2), s.substring(j, j + 2));
                    j += 2;
                } else if (d == '$') {
                    j = expansion(j);
                } else {
                    literal(String.valueOf(d), String.valueOf(d));
                    j++;
                }
            }
            if (j >= s.length()) {
                throw new IllegalArgumentException("unclosed \" in: " + s);
            }
            raw.append('"');
            return j + 1;
        }

        /** $NAME, ${...} or $(...) at {@code i}; the commands of $(...) are parsed as well. */
        private int expansion(int i) {
            expanded = true;
            inWord = true;
            int end;
            if (i + 1 < s.length() && s.charAt(i + 1) == '(') {
                end = closing(i + 1, '(', ')');
                commands.addAll(parse(s.substring(i + 2, end)));
                end++;
            } else if (i + 1 < s.length() && s.charAt(i + 1) == '{') {
                end = closing(i + 1, '{', '}') + 1;
            } else {
                end = i + 1;
                while (end < s.length() && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '_')) {
                    end++;
                }
            }
            String expansion = s.substring(i, end);
            text.append(expansion);
            raw.append(expansion);
            glob.append(escapeGlob(expansion));
            return end;
        }

        private int closing(int open, char opening, char closing) {
            int depth = 0;
            for (int j = open; j < s.length(); j++) {
                char c = s.charAt(j);
                if (c == '\'') {
                    j = s.indexOf('\'', j + 1);
                } else if (c == opening) {
                    depth++;
                } else if (c == closing && --depth == 0) {
                    return j;
                }
            }
            throw new IllegalArgumentException("unclosed " + opening + " in: " + s);
        }

        private void literal(String value, String written) {
            text.append(value);
            raw.append(written);
            glob.append(escapeGlob(value));
            inWord = true;
            quoted = true;
        }

        private static String escapeGlob(String value) {
            return value.replaceAll("([*?\\[\\]{}\\\\])", "\\\\$1");
        }

        private void endWord() {
            if (inWord) {
                Word word = new Word(text.toString(), raw.toString(), glob.toString(), globbed, expanded);
                switch (redirect) {
                    case WRITE -> writes.add(word.text());
                    case READ -> reads.add(word.text());
                    case DESCRIPTOR -> { }
                    case NONE -> words.add(word);
                }
                redirect = Redirect.NONE;
            }
            discardWord();
        }

        private void discardWord() {
            text.setLength(0);
            raw.setLength(0);
            glob.setLength(0);
            inWord = false;
            quoted = false;
            globbed = false;
            expanded = false;
        }

        private void endCommand(int end) {
            if (!words.isEmpty() || !writes.isEmpty() || !reads.isEmpty()) {
                commands.add(new SimpleCommand(List.copyOf(words), List.copyOf(writes), List.copyOf(reads),
                        s.substring(start, end).strip()));
            }
            words = new ArrayList<>();
            writes = new ArrayList<>();
            reads = new ArrayList<>();
            start = end + 1;
        }
    }
}
