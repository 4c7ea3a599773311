package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Command;
import io.switchboard.support.NodeProcess;
import io.switchboard.support.Wait;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * The Dockerfile's steps without Docker: the packaged jar extracted into layers with the
 * Dockerfile's own command, the layers copied into one directory as its COPY lines do, the node
 * started with its ENTRYPOINT and JAVA_TOOL_OPTIONS, and its HEALTHCHECK command run as written.
 */
class DockerfileStepsIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path work;

    @Test
    @SuppressWarnings("unchecked")
    void extractedLayersStartWithTheEntrypointAndPassTheHealthcheck() throws Exception {
        Command.require("bash");
        String dockerfile = Files.readString(Command.ROOT.resolve("Dockerfile"));
        Path jar = Command.ROOT.resolve("chat-server/target/chat-server-0.1.0-SNAPSHOT.jar");
        Path layers = work.resolve("layers");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        Matcher extract = Pattern.compile("java (-Djarmode=tools -jar) \\S+ (extract [^\\n]*) --destination /layers")
                .matcher(dockerfile);
        assertThat(extract.find()).as("the Dockerfile's extract command").isTrue();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(List.of(extract.group(1).split(" ")));
        command.add(jar.toString());
        command.addAll(List.of(extract.group(2).split(" ")));
        command.addAll(List.of("--destination", layers.toString()));
        Command.Result extracted = Command.run(command, Map.of(), 120);
        assertThat(extracted.exitCode()).as(extracted.output()).isZero();

        Path app = work.resolve("app");
        Matcher copy = Pattern.compile("COPY --from=build /layers/([a-z-]+)/ \\./").matcher(dockerfile);
        int copied = 0;
        while (copy.find()) {
            copyTree(layers.resolve(copy.group(1)), app);
            copied++;
        }
        assertThat(copied).isEqualTo(4);

        Matcher entrypoint = Pattern.compile("ENTRYPOINT (\\[.*])").matcher(dockerfile);
        Matcher options = Pattern.compile("ENV JAVA_TOOL_OPTIONS=\"([^\"]*)\"").matcher(dockerfile);
        Matcher healthcheck = Pattern.compile("HEALTHCHECK [^\\[]*CMD (\\[[^]]*])", Pattern.DOTALL).matcher(dockerfile);
        assertThat(entrypoint.find() && options.find() && healthcheck.find()).isTrue();
        List<String> start = new ArrayList<>(JSON.readValue(entrypoint.group(1), List.class));
        start.set(0, java);
        int chatPort = NodeProcess.freePort();
        start.addAll(List.of("--server.port=" + chatPort, "--switchboard.drain.health-check-wait=0s"));
        ProcessBuilder builder = new ProcessBuilder(start).directory(app.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("node.log").toFile());
        builder.environment().put("JAVA_TOOL_OPTIONS", options.group(1));
        Process node = builder.start();
        try {
            String check = healthcheck.group(1).replace("\\\n", "").replaceAll("\\s*\\\\\\s*\\n\\s*", " ");
            List<String> probe = JSON.readValue(check, List.class);
            Wait.until(Duration.ofSeconds(60), () -> {
                assertThat(node.isAlive()).as("node running").isTrue();
                return Command.run(probe, Map.of(), 10).exitCode() == 0;
            }, "the Dockerfile's HEALTHCHECK passing");
            assertThat(Files.readString(work.resolve("node.log"))).contains("Started SwitchboardApplication")
                    .contains("Picked up JAVA_TOOL_OPTIONS: " + options.group(1));
        } finally {
            node.destroy();
            node.waitFor();
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
