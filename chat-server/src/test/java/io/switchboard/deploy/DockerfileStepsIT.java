package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.support.Command;
import io.switchboard.support.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Dockerfile's steps without Docker, each as written. The build stage: what its COPY lines copy
 * from the build context (with .dockerignore honoured) into an empty directory, and its RUN line run
 * there, the Maven build and the layer extraction, with the JDK the image has (25). Then the run
 * stage: the layers copied into one directory as its COPY lines do, its training run for the AOT
 * cache, the node started with its ENTRYPOINT and JAVA_TOOL_OPTIONS (and using that cache), and its
 * HEALTHCHECK command run as written. (Not run: Docker
 * itself, the base images, the non-root user.)
 */
class DockerfileStepsIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path work;

    @Test
    @SuppressWarnings("unchecked")
    void theBuildStageBuildsFromWhatItCopiesAndTheLayersStartWithTheEntrypointAndPassTheHealthcheck() throws Exception {
        Command.require("bash");
        String dockerfile = Files.readString(Command.ROOT.resolve("Dockerfile"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path layers = buildStage(dockerfile);

        Path app = work.resolve("app");
        Matcher copy = Pattern.compile("COPY --from=build /layers/([a-z-]+)/ \\./").matcher(dockerfile);
        int copied = 0;
        while (copy.find()) {
            copyTree(layers.resolve(copy.group(1)), app);
            copied++;
        }
        assertThat(copied).isEqualTo(3);

        Matcher entrypoint = Pattern.compile("ENTRYPOINT (\\[.*])").matcher(dockerfile);
        Matcher options = Pattern.compile("ENV JAVA_TOOL_OPTIONS=\"([^\"]*)\"").matcher(dockerfile);
        Matcher healthcheck = Pattern.compile("HEALTHCHECK [^\\[]*CMD (\\[[^]]*])", Pattern.DOTALL).matcher(dockerfile);
        assertThat(entrypoint.find() && options.find() && healthcheck.find()).isTrue();
        trainingRun(dockerfile, app, java, options.group(1));
        List<String> start = new ArrayList<>(JSON.readValue(entrypoint.group(1), List.class));
        start.set(0, java);
        int chatPort = NodeProcess.freePort();
        start.addAll(List.of("--server.port=" + chatPort, "--switchboard.drain.health-check-wait=0s"));
        ProcessBuilder builder = new ProcessBuilder(start).directory(app.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("node.log").toFile());
        builder.environment().put("JAVA_TOOL_OPTIONS", options.group(1));
        builder.environment().put("JDK_JAVA_OPTIONS", "-Xlog:aot=info"); // the java launcher's own, beside them
        Process node = builder.start();
        try {
            String check = healthcheck.group(1).replace("\\\n", "").replaceAll("\\s*\\\\\\s*\\n\\s*", " ");
            List<String> probe = JSON.readValue(check, List.class);
            await("the Dockerfile's HEALTHCHECK passing").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(25))
                    .until(() -> {
                        assertThat(node.isAlive()).as("node running").isTrue();
                        return Command.run(probe, Map.of(), 10).exitCode() == 0;
                    });
            String log = Files.readString(work.resolve("node.log"));
            assertThat(log).contains("Started SwitchboardApplication")
                    .contains("Picked up JAVA_TOOL_OPTIONS: " + options.group(1))
                    .as("the node uses the AOT cache of the training run").contains("Opened AOT cache")
                    .doesNotContainPattern("\\]\\[(error|warning) *\\]\\[aot\\]");
        } finally {
            node.destroy();
            node.waitFor();
        }
    }

    /**
     * Runs the run stage's {@code RUN java ...} line (the AOT cache's training run) in {@code app},
     * as the image does after its COPY lines: with its ENV's JAVA_TOOL_OPTIONS and the JDK 25 this
     * test runs on for {@code java}. (Its other RUN line adds the user, which is not replayed.)
     */
    private void trainingRun(String dockerfile, Path app, String java, String options) throws IOException {
        String stage = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
        List<String> runs = stage.replace("\\\n", " ").lines().map(String::strip)
                .filter(line -> line.startsWith("RUN java ")).toList();
        assertThat(runs).as("the run stage's training run").hasSize(1);
        String run = runs.get(0).substring("RUN java ".length());
        Command.Result trained = Command.run(List.of("bash", "-c", "cd '" + app + "' && '" + java + "' " + run),
                Map.of("JAVA_TOOL_OPTIONS", options), 300);
        assertThat(trained.exitCode()).as("the training run: " + trained.output()).isZero();
        assertThat(app.resolve("switchboard.aot")).isNotEmptyFile();
    }

    /**
     * Replays the build stage in an empty directory: what each COPY copies from the context (minus
     * what .dockerignore excludes), then its RUN line there, with {@code /layers} put in this test's
     * directory and {@code java} the JDK 25 the image has. Answers where the layers are.
     */
    private Path buildStage(String dockerfile) throws IOException {
        int from = dockerfile.indexOf(" AS build");
        String stage = dockerfile.substring(from, dockerfile.indexOf("\nFROM ", from));
        Path context = Command.ROOT;
        DockerIgnore ignored = DockerIgnore.read(context.resolve(".dockerignore"));
        Path src = work.resolve("src");
        Files.createDirectories(src);
        String run = null;
        for (String instruction : stage.replace("\\\n", " ").lines().toList()) {
            String[] words = instruction.strip().split("\\s+");
            if (words[0].equals("COPY")) {
                String destination = words[words.length - 1];
                for (int i = 1; i < words.length - 1; i++) {
                    Path source = context.resolve(words[i]);
                    Path target = destination.endsWith("/") ? src.resolve(destination).resolve(source.getFileName().toString())
                            : src.resolve(destination);
                    copyContext(context, source, target, ignored);
                }
            } else if (words[0].equals("RUN")) {
                run = instruction.strip().substring("RUN ".length());
            }
        }
        assertThat(run).as("the build stage's RUN line").isNotNull();
        assertThat(src.resolve("chat-server/target")).as(".dockerignore keeps build output out").doesNotExist();
        Path layers = work.resolve("layers");
        String jdk = Command.run(List.of("scripts/java21"), Map.of(), 60).output().strip();
        Command.Result built = Command.run(List.of("bash", "-c", "cd '" + src + "' && "
                + run.replace("/layers", layers.toString())), Map.of("PATH", jdk + "/bin:" + System.getenv("PATH")), 900);
        assertThat(built.exitCode()).as("the build stage's RUN line: " + built.output()).isZero();
        return layers;
    }

    /** Copies a file or a tree of the build context, as COPY does, leaving out what .dockerignore excludes. */
    private static void copyContext(Path context, Path from, Path to, DockerIgnore ignored) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                if (ignored.excludes(context.relativize(source))) {
                    continue;
                }
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    /**
     * .dockerignore as Docker reads it: patterns relative to the context, {@code **} any run of
     * directories (also none), {@code !} an exception; the last pattern that matches decides, and an
     * excluded directory excludes everything in it.
     */
    private record DockerIgnore(List<PathMatcher> patterns, List<Boolean> exceptions) {

        static DockerIgnore read(Path file) throws IOException {
            List<PathMatcher> patterns = new ArrayList<>();
            List<Boolean> exceptions = new ArrayList<>();
            for (String line : Files.exists(file) ? Files.readAllLines(file) : List.<String>of()) {
                String pattern = line.strip();
                if (pattern.isEmpty() || pattern.startsWith("#")) {
                    continue;
                }
                boolean exception = pattern.startsWith("!");
                String glob = (exception ? pattern.substring(1) : pattern).replaceFirst("^/", "");
                patterns.add(FileSystems.getDefault().getPathMatcher("glob:{" + glob
                        + (glob.startsWith("**/") ? "," + glob.substring(3) : "") + "}"));
                exceptions.add(exception);
            }
            return new DockerIgnore(patterns, exceptions);
        }

        boolean excludes(Path relative) {
            for (Path prefix = relative; prefix != null && !prefix.toString().isEmpty(); prefix = prefix.getParent()) {
                boolean excluded = false;
                for (int i = 0; i < patterns.size(); i++) {
                    if (patterns.get(i).matches(prefix)) {
                        excluded = !exceptions.get(i);
                    }
                }
                if (excluded) {
                    return true;
                }
            }
            return false;
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path source : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }
}
