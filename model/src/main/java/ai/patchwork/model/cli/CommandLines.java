package ai.patchwork.model.cli;

import ai.patchwork.model.config.ModelFormatException;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * How every {@code ./patchwork} command runs: picocli over the command object, help and the command's own output on
 * {@code out} (a command prints through its {@code @Spec}'s {@code commandLine().getOut()}), and any bad
 * input (a wrong option, a missing folder, a corrupt file) as one line on {@code err} with exit status 2.
 */
final class CommandLines {
    private CommandLines() {}

    /** Runs {@code command} named {@code name} on {@code args}; returns the exit status (0 ok, 2 bad input). */
    static int execute(String name, Object command, String[] args, PrintStream out, PrintStream err) {
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
