package dev.wirelab.part1;

import dev.wirelab.common.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@code part1 ARGS} in-process, capturing stdout, stderr and the exit code. */
final class CliRun {

    record Result(int exit, String out, String err) {
    }

    private CliRun() {
    }

    static Result run(String... args) {
        return run(new StringWriter(), args);
    }

    /** As {@link #run(String...)}, with stderr going to {@code err} as it is written. */
    static Result run(java.io.Writer err, String... args) {
        CommandLine cl = Cli.commandLine(new Part1());
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
