package io.switchboard.bench.support;

import io.switchboard.bench.Bench;
import picocli.CommandLine.ParseResult;

/** A chat-bench command line parsed as {@code main} parses it, without running the command. */
public final class Parsed {

    private Parsed() {
    }

    /**
     * The subcommand that {@code args} name (its name first), with every option set from them.
     *
     * @throws picocli.CommandLine.ParameterException when the command line does not parse
     */
    public static <T> T command(Class<T> type, String... args) {
        ParseResult parsed = Bench.commandLine().parseArgs(args);
        if (!parsed.hasSubcommand()) {
            throw new IllegalArgumentException("no subcommand in " + String.join(" ", args));
        }
        return type.cast(parsed.subcommand().commandSpec().userObject());
    }
}
