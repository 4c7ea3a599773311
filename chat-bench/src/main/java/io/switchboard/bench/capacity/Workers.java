package io.switchboard.bench.capacity;

import io.switchboard.bench.Bench;
import io.switchboard.bench.fanout.RunBroken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The child JVMs of a capacity run, each running {@code capacity-worker} of this same program
 * (the executable jar, or the class path when run from tests). Several processes spread the
 * client's own memory and file descriptors, so the client is not what limits the count.
 */
final class Workers implements AutoCloseable {

    /** What the workers hold after a step. */
    record Held(int connections, int failed, long slowestMillis) {}

    private static final long STOP_SECONDS = 30;

    private final List<Process> processes = new ArrayList<>();
    private final List<PrintWriter> commands = new ArrayList<>();
    private final List<BufferedReader> answers = new ArrayList<>();

    /** @param workerArgs the worker options; {@code --worker i --workers n} are added per process */
    Workers(int count, List<String> workerArgs) {
        for (int i = 0; i < count; i++) {
            List<String> command = new ArrayList<>(javaCommand());
            command.add("capacity-worker");
            command.addAll(workerArgs);
            command.addAll(List.of("--worker", Integer.toString(i), "--workers", Integer.toString(count)));
            try {
                Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                processes.add(process);
                commands.add(new PrintWriter(process.getOutputStream(), true));
                answers.add(new BufferedReader(new InputStreamReader(process.getInputStream())));
            } catch (IOException e) {
                close();
                throw new RunBroken("cannot start a capacity worker: " + e);
            }
        }
        for (int i = 0; i < count; i++) {
            if (!CapacityWorkerCommand.READY.equals(read(i))) {
                throw new RunBroken("capacity worker " + i + " did not start");
            }
        }
    }

    /**
     * This program again: {@code java -jar chat-bench.jar} when it runs from its executable jar
     * (whose classes only its own launcher's class loader sees), else {@code java -cp <class path> Bench}.
     */
    private static List<String> javaCommand() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("java.class.path");
        if (Bench.class.getClassLoader() != ClassLoader.getSystemClassLoader()) {
            return List.of(java, "-jar", classPath);
        }
        return List.of(java, "-cp", classPath, Bench.class.getName());
    }

    /** Grows the workers to {@code total} connections together and waits until each answered. */
    Held growTo(int total) {
        int count = processes.size();
        for (int i = 0; i < count; i++) {
            // worker i owns the global numbers i, i+count, ...: its share of the first `total`
            commands.get(i).println((total - i + count - 1) / count);
        }
        int held = 0;
        int failed = 0;
        long slowest = 0;
        for (int i = 0; i < count; i++) {
            String[] answer = read(i).split(" ");
            held += Integer.parseInt(answer[1]);
            failed += Integer.parseInt(answer[3]);
            slowest = Math.max(slowest, Long.parseLong(answer[5]));
        }
        return new Held(held, failed, slowest);
    }

    private String read(int worker) {
        try {
            String line = answers.get(worker).readLine();
            if (line == null) {
                throw new RunBroken("capacity worker " + worker + " exited (see its errors above)");
            }
            return line;
        } catch (IOException e) {
            throw new RunBroken("capacity worker " + worker + ": " + e);
        }
    }

    @Override
    public void close() {
        commands.forEach(PrintWriter::close);
        for (Process process : processes) {
            try {
                if (!process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
