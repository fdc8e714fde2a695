package dev.wirelab.common;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * The command-line conventions every part follows: exit 0 on success, 1 when the job failed, 2 on
 * a usage error; a failure is one line on stderr, never a stack trace (set {@code WIRELAB_DEBUG=1}
 * to see one).
 */
public final class Cli {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private Cli() {
    }

    /** A configured {@link CommandLine} for a part's top-level command. */
    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("error: " + describe(ex));
            if (System.getenv("WIRELAB_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            err.flush();
            return ex instanceof UserError u ? u.exitCode() : FAILED;
        });
        // A usage error is one line, as every other error: what was wrong and where help is.
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            PrintWriter err = failed.getErr();
            err.println("error: " + ex.getMessage().replace('\n', ' ').strip()
                    + " (see: " + failed.getCommandSpec().qualifiedName() + " --help)");
            err.flush();
            return USAGE;
        });
        cl.getCommandSpec().parser().abbreviatedOptionsAllowed(false);
        cl.setUsageHelpAutoWidth(true);
        return cl;
    }

    /** Runs a part's main command; what {@code main} calls. */
    public static int execute(Object command, String... args) {
        return commandLine(command).execute(args);
    }

    /** One line for an exception: its message, or its type when it has none, and its root cause. */
    public static String describe(Throwable ex) {
        if (ex instanceof UserError) {
            return ex.getMessage();
        }
        Throwable root = ex;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        if (root != ex && root.getMessage() != null && !msg.contains(root.getMessage())) {
            msg += " (" + root.getMessage() + ")";
        }
        return msg.replace('\n', ' ');
    }
}
