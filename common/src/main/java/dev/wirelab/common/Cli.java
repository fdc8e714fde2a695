package dev.wirelab.common;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The command-line conventions every part follows, and the one place that turns an exception into
 * an exit code: 0 on success, 1 when the job failed, 2 on a usage error
 * ({@link CommandLine.ExitCode}); a failure is one line on stderr, never a stack trace (set
 * {@code WIRELAB_DEBUG=1} to see one).
 *
 * <p>What a command's code may throw, and what the user sees:
 * <ul>
 *   <li>{@link UserError}: its message, with its own exit code;
 *   <li>{@link IllegalArgumentException} (a library refusing a value the user gave, e.g. a port
 *       out of range): its message and where help is, exit 2;
 *   <li>{@link IOException} or {@link UncheckedIOException}: what failed and why, e.g.
 *       "no such file: x.pcap", exit 1;
 *   <li>anything else: its message and its root cause, exit 1.
 * </ul>
 */
public final class Cli {

    public static final int OK = CommandLine.ExitCode.OK;
    public static final int FAILED = CommandLine.ExitCode.SOFTWARE;
    public static final int USAGE = CommandLine.ExitCode.USAGE;

    private Cli() {
    }

    /** A configured {@link CommandLine} for a part's top-level command. */
    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            int code = exitCode(ex);
            PrintWriter err = commandLine.getErr();
            // A UserError's message is complete as written; a library's refusal gets where help is.
            boolean hint = code == USAGE && !(ex instanceof UserError);
            err.println("error: " + describe(ex) + (hint ? seeHelp(commandLine) : ""));
            if (System.getenv("WIRELAB_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            err.flush();
            return code;
        });
        // A usage error is one line, as every other error: what was wrong and where help is.
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            PrintWriter err = failed.getErr();
            err.println("error: " + usageProblem(ex) + seeHelp(failed));
            err.flush();
            return USAGE;
        });
        cl.getCommandSpec().parser().abbreviatedOptionsAllowed(false);
        // Options show their values in lower case (--generator both); an enum option takes them so.
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        HelpLayout.install(cl);
        return cl;
    }

    /** Runs a part's main command; what {@code main} calls. */
    public static int execute(Object command, String... args) {
        return execute(commandLine(command), args);
    }

    /**
     * Runs {@code cl}. picocli hands exceptions to the handlers above but lets errors through; the
     * one a user can cause (a run too large for the heap) still ends in one line and exit 1.
     */
    public static int execute(CommandLine cl, String... args) {
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            PrintWriter err = cl.getErr();
            err.println("error: out of memory (" + e.getMessage() + "): the JVM's heap is too small for this run;"
                    + " ask for less, or give java more with -Xmx");
            err.flush();
            return FAILED;
        }
    }

    /**
     * What a command that only groups others does when it is given none: a usage error, exit 2,
     * naming them, as {@code git} does for a missing verb (its help stays on {@code --help}).
     */
    public static ParameterException missingCommand(CommandSpec spec) {
        return new ParameterException(spec.commandLine(),
                "Missing command: one of " + String.join(", ", spec.subcommands().keySet().stream()
                        .filter(name -> !name.equals("help")).toList()));
    }

    /** The exit code for an exception thrown by a command (see the class comment). */
    public static int exitCode(Throwable ex) {
        return switch (ex) {
            case UserError u -> u.exitCode();
            case IllegalArgumentException e -> USAGE;
            default -> FAILED;
        };
    }

    /** One line for an exception: what failed, and its root cause when that adds something. */
    public static String describe(Throwable ex) {
        if (ex instanceof UserError) {
            return ex.getMessage();
        }
        if (ex instanceof UncheckedIOException && ex.getCause() != null) {
            return describe(ex.getCause());
        }
        Throwable root = ex;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = brief(ex);
        String because = brief(root);
        if (root != ex && root.getMessage() != null && !msg.contains(because) && !msg.contains(root.getMessage())) {
            msg += " (" + because + ")";
        }
        return msg.replace('\n', ' ');
    }

    /** An exception's message, saying what happened where the JDK's message is only a name. */
    private static String brief(Throwable ex) {
        String msg = ex.getMessage();
        if (msg == null) {
            return ex.getClass().getSimpleName();
        }
        return switch (ex) {
            case NoSuchFileException e when e.getReason() == null -> "no such file: " + msg;
            case AccessDeniedException e when e.getReason() == null -> "permission denied: " + msg;
            case FileAlreadyExistsException e when e.getReason() == null -> "already exists: " + msg;
            case NotDirectoryException e when e.getReason() == null -> "not a folder: " + msg;
            case UnknownHostException e -> "unknown host: " + msg;
            default -> msg;
        };
    }

    private static String seeHelp(CommandLine cl) {
        return " (see: " + cl.getCommandSpec().qualifiedName() + " --help)";
    }

    /** picocli's message on one line; for a mistyped option or command, the likely one. */
    static String usageProblem(ParameterException ex) {
        if (ex instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            CommandSpec spec = u.getCommandLine().getCommandSpec();
            String first = u.getUnmatched().get(0);
            List<String> likely;
            String problem;
            if (u.isUnknownOption()) {
                // Only the first unknown option: "--los 0.5" is one mistake, not two.
                first = u.getUnmatched().stream().filter(a -> a.startsWith("-")).findFirst().orElse(first);
                problem = "Unknown option: '" + first + "'";
                likely = closest(first.split("=", 2)[0], spec.optionsMap().keySet());
            } else if (!spec.subcommands().isEmpty() && spec.positionalParameters().isEmpty()) {
                problem = "Unknown command: '" + first + "'";
                likely = closest(first, spec.subcommands().keySet());
            } else {
                problem = oneLine(ex.getMessage());
                likely = List.of();
            }
            if (likely.isEmpty()) {
                likely = u.getSuggestions().stream().limit(3).toList();
            }
            return likely.isEmpty() ? problem : problem + "; did you mean " + String.join(" or ", likely) + "?";
        }
        return oneLine(ex.getMessage());
    }

    private static String oneLine(String message) {
        return message == null ? "invalid arguments" : message.replace('\n', ' ').strip();
    }

    /**
     * The names nearest to {@code typed}: within one edit (two for longer names), or, when none
     * is, the names it is the beginning of.
     */
    static List<String> closest(String typed, Collection<String> names) {
        int limit = typed.length() <= 5 ? 1 : 2;
        List<String> near = new ArrayList<>();
        int best = Integer.MAX_VALUE;
        for (String name : names.stream().sorted().toList()) {
            int d = editDistance(typed, name);
            if (d <= limit && d < best) {
                near.clear();
                best = d;
            }
            if (d <= limit && d == best) {
                near.add(name);
            }
        }
        if (near.isEmpty() && typed.replace("-", "").length() >= 3) {
            names.stream().filter(n -> n.startsWith(typed)).sorted(Comparator.comparingInt(String::length))
                    .limit(3).forEach(near::add);
        }
        return near;
    }

    /** Edits (insert, delete, replace, swap two neighbours) from {@code a} to {@code b}. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                if (i == 0 || j == 0) {
                    d[i][j] = i + j;
                    continue;
                }
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
