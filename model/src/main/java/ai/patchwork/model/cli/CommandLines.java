package ai.patchwork.model.cli;

import ai.patchwork.model.config.ModelFormatException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * How every {@code ./patchwork} command of this module ({@code generate}, {@code merge}) runs: picocli over the
 * command object, help and the command's own output on {@code out} (a command prints through its {@code @Spec}'s
 * {@code commandLine().getOut()}), and any bad input (a wrong option, a missing folder, a corrupt file) as one line on
 * {@code err} with exit status 2.
 */
final class CommandLines {
    private CommandLines() {}

    /** {@code ./patchwork <command> [options]}: the command named first, on the rest of the arguments. */
    public static void main(String[] args) {
        if (args.length == 0) throw new IllegalArgumentException("usage: CommandLines generate|merge [options]");
        System.exit(run(args[0], Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
    }

    /** Runs the command {@code name} on {@code args}; returns the exit status (0 ok, 2 bad input). */
    static int run(String name, String[] args, PrintStream out, PrintStream err) {
        Object command = switch (name) {
            case "generate" -> new GenerateCommand();
            case "merge" -> new MergeCommand();
            default -> throw new IllegalArgumentException("unknown command " + name);
        };
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("patchwork " + name + ": " + e.getMessage());
            return 2;
        });
        cli.setExecutionExceptionHandler((e, c, p) -> {
            err.println("patchwork " + name + ": " + oneLine(e));
            return 2;
        });
        return cli.execute(args);
    }

    /** The message of an expected failure, the exception itself otherwise, on one line. */
    static String oneLine(Throwable e) {
        String m = e instanceof ModelFormatException || e instanceof IllegalArgumentException
                ? e.getMessage()
                : e.toString();
        return m == null ? e.getClass().getSimpleName() : m.replace('\n', ' ');
    }
}
