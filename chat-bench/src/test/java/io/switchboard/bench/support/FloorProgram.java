package io.switchboard.bench.support;

import io.switchboard.support.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The floor program, built from ../shared/bench/floor.c (beside the repository) with the machine's C compiler. */
public final class FloorProgram {

    /** Where the floor's source is: the shared folder beside the repository, as CI has it. */
    public static final Path SOURCE = Command.ROOT.resolve("../shared/bench/floor.c").normalize();

    private FloorProgram() {
    }

    /** Compiles the floor into {@code dir}; skips (or under CI=true fails) without a C compiler or the source. */
    public static Path build(Path dir) {
        Command.require("cc");
        if (!Files.isRegularFile(SOURCE)) {
            Command.missing("the floor's source is not at " + SOURCE);
        }
        Path program = dir.resolve("floor");
        Command.Result built = Command.run(List.of("cc", "-O2", "-o", program.toString(), SOURCE.toString()), Map.of(), 60);
        if (built.exitCode() != 0) {
            throw new IllegalStateException("cc failed: " + built.output());
        }
        return program;
    }
}
