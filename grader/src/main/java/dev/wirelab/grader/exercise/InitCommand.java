package dev.wirelab.grader.exercise;

import dev.wirelab.common.Cli;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code exercise init part2|part3 DIR}: writes a starter project. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Write a starter project into DIR (a new or empty folder): part2 an echo server with faults,"
                + " part3 a resilient client. The plumbing is done, the reliability is left as numbered TODOs;"
                + " the README says what to do. The last line printed is the command that grades it."})
public final class InitCommand implements Callable<Integer> {

    /** Set by the {@code lab} script to its own path as the user typed it ({@code $0}). */
    static final String LAB_ENV = "WIRELAB_LAB";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PART", description = "part2 (an echo server) or part3 (a client).")
    String part;

    @Parameters(index = "1", paramLabel = "DIR", description = "The folder to write into; created if needed, must be empty.")
    String dir;

    @Option(names = "--lang", paramLabel = "LANG", defaultValue = "python",
            description = "python (3.8+) or java (17+, the JDK only) (default: ${DEFAULT-VALUE}).")
    String lang;

    @Override
    public Integer call() {
        // ./lab says how it was invoked, so that the printed command runs as printed.
        String lab = System.getenv(LAB_ENV);
        if (lab == null || lab.isBlank()) {
            lab = "./lab";
        }
        Starter.Written w = Starter.write(Starter.part(part), Starter.lang(lang), Path.of(dir), lab, Path.of("").toAbsolutePath());
        PrintWriter out = spec.commandLine().getOut();
        for (Path f : w.files()) {
            out.println("wrote " + f);
        }
        String where = w.runFrom() == null ? "from any folder" : "from " + w.runFrom() + " (the folder you are in now)";
        out.println("Fill in the TODOs (the README says what each is for), then grade it, " + where + ", with:");
        out.println(w.gradeCommand());
        out.flush();
        return Cli.OK;
    }
}
