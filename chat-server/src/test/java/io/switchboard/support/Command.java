package io.switchboard.support;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An outside program a test runs (haproxy, kubectl, docker-compose, scripts/cluster). Without it a
 * test is skipped on a developer's machine and fails under {@code CI=true}, where .ci/run installs it.
 */
public final class Command {

    /** The repository's root (tests run in chat-server/). */
    public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private Command() {
    }

    /** What a finished command printed (stdout and stderr together) and its exit code. */
    public record Result(int exitCode, String output) {}

    /** Skips the test without {@code binary} on PATH, or fails it under {@code CI=true}. */
    public static void require(String binary) {
        if (!onPath(binary)) {
            missing(binary + " is not installed (.ci/run installs it)");
        }
    }

    static boolean onPath(String binary) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, binary))) {
                return true;
            }
        }
        return false;
    }

    /** Something a test needs is missing: under {@code CI=true} that fails the test, elsewhere it skips it. */
    public static void missing(String why) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException(why);
        }
        org.junit.jupiter.api.Assumptions.abort(why);
    }

    /** What {@code redis-cli -p port command...} printed (a failure prints its error the same way). */
    public static String redisCli(int port, String... command) {
        List<String> args = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        args.addAll(List.of(command));
        return run(args, Map.of(), 10).output();
    }

    /** Sends {@code signal} ("STOP", "CONT", ...) to {@code process}. */
    public static void signal(String signal, Process process) {
        Result result = run(List.of("kill", "-" + signal, Long.toString(process.pid())), Map.of(), 10);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("kill -" + signal + " failed: " + result.output());
        }
    }

    /** Runs {@code command} in the repository's root with {@code env} added, waiting up to {@code seconds}. */
    public static Result run(List<String> command, Map<String, String> env, long seconds) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
            builder.environment().putAll(env);
            Process process = builder.start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish in " + seconds + " s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
