package dev.wirelab.grader;

import dev.wirelab.grader.part2.ServerGrader;
import dev.wirelab.grader.part2.ServerScenarios;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code grade part2 --server CMD}: grades a student's fault echo server (report section 3.2). */
@Command(name = "part2", mixinStandardHelpOptions = true,
        description = {"Grade a student's echo server with faults (the report's section 3.2).",
                "CMD runs through sh with {port}, {delay}, {loss}, {corrupt} (and {host}) replaced, e.g.",
                "  --server 'python3 echo.py {port} {delay} {loss} {corrupt}'",
                "The grader starts it for each scenario, waits for the port, plays the client, and stops it."})
public final class GradePart2Command implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--server", paramLabel = "CMD", description = "The student's server command, with placeholders.")
    String server;

    @Mixin
    GradeOptions options;

    @Override
    public Integer call() throws Exception {
        return options.listOrGrade(spec.commandLine().getOut(), "part2", "--server", server, "python3 echo.py {port} {delay} {loss} {corrupt}", ServerScenarios.ALL,
                ServerGrader.PLACEHOLDERS, ServerGrader.REQUIRED, cmd -> new ServerGrader(cmd, Path.of("").toAbsolutePath(), options.seed()));
    }
}
