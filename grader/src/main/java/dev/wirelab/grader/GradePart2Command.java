package dev.wirelab.grader;

import dev.wirelab.common.Cli;
import dev.wirelab.common.UserError;
import dev.wirelab.grader.part2.ServerGrader;
import dev.wirelab.grader.part2.ServerScenario;
import dev.wirelab.grader.part2.ServerScenarios;
import java.nio.file.Path;
import java.util.List;
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
        List<ServerScenario> scenarios = options.select(ServerScenarios.ALL);
        if (options.listOnly()) {
            GradeOptions.list(spec.commandLine().getOut(), scenarios, options.timeScale);
            return Cli.OK;
        }
        if (server == null) {
            throw new UserError("missing --server CMD, e.g. --server 'python3 echo.py {port} {delay} {loss} {corrupt}'", Cli.USAGE);
        }
        CommandTemplate cmd = CommandTemplate.parse("--server", server, ServerGrader.PLACEHOLDERS, ServerGrader.REQUIRED);
        return options.grade(spec.commandLine().getOut(), "part2", "server", cmd, scenarios,
                new ServerGrader(cmd, Path.of("").toAbsolutePath(), options.seed()));
    }
}
