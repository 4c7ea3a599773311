package io.switchboard.bench.support;

import io.switchboard.bench.Bench;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ParseResult;

/** A chat-bench command line parsed as {@code main} parses it, without running the command. */
public final class Parsed {

    private Parsed() {
    }

    /**
     * The subcommand that {@code command} names (its name first), with every option set from
     * {@code command} followed by {@code more}.
     *
     * @throws picocli.CommandLine.ParameterException when the command line does not parse
     */
    public static <T> T command(Class<T> type, List<String> command, String... more) {
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of(more));
        ParseResult parsed = Bench.commandLine().parseArgs(args.toArray(String[]::new));
        if (!parsed.hasSubcommand()) {
            throw new IllegalArgumentException("no subcommand in " + args);
        }
        return type.cast(parsed.subcommand().commandSpec().userObject());
    }
}
