package io.switchboard.bench.worker;

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
import java.util.function.IntFunction;

/**
 * The child JVMs of a run, each running a hidden worker command of this same program (the
 * executable jar, or the class path when run from tests), told what to do one line at a time on
 * its stdin and answering one line on its stdout. Several processes spread the client's own CPU,
 * memory and file descriptors, so the client is not what limits the run. A worker first prints
 * {@link #READY}; end of its stdin tells it to close everything and exit.
 */
public final class Workers implements AutoCloseable {

    /** The first line a worker prints, once it can take commands: a step's time then excludes JVM start-up. */
    public static final String READY = "ready";

    private static final long STOP_SECONDS = 30;

    private final String command;
    private final List<Process> processes = new ArrayList<>();
    private final List<PrintWriter> commands = new ArrayList<>();
    private final List<BufferedReader> answers = new ArrayList<>();

    /**
     * @param command the worker's (hidden) subcommand
     * @param workerArgs its options; {@code --worker i --workers n} are added per process
     */
    public Workers(String command, int count, List<String> workerArgs) {
        this.command = command;
        for (int i = 0; i < count; i++) {
            List<String> line = new ArrayList<>(javaCommand());
            line.add(command);
            line.addAll(workerArgs);
            line.addAll(List.of("--worker", Integer.toString(i), "--workers", Integer.toString(count)));
            try {
                Process process = new ProcessBuilder(line).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                processes.add(process);
                commands.add(new PrintWriter(process.getOutputStream(), true));
                answers.add(new BufferedReader(new InputStreamReader(process.getInputStream())));
            } catch (IOException e) {
                close();
                throw new RunBroken("cannot start a " + command + ": " + e);
            }
        }
        for (int i = 0; i < count; i++) {
            if (!READY.equals(read(i))) {
                throw new RunBroken(command + " " + i + " did not start");
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

    public int count() {
        return processes.size();
    }

    /** Tells every worker its line (worker {@code i} gets {@code line.apply(i)}), then reads every answer, in worker order. */
    public List<String> ask(IntFunction<String> line) {
        for (int i = 0; i < processes.size(); i++) {
            commands.get(i).println(line.apply(i));
        }
        List<String> all = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            all.add(read(i));
        }
        return all;
    }

    private String read(int worker) {
        try {
            String line = answers.get(worker).readLine();
            if (line == null) {
                throw new RunBroken(command + " " + worker + " exited (see its errors above)");
            }
            return line;
        } catch (IOException e) {
            throw new RunBroken(command + " " + worker + ": " + e);
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
