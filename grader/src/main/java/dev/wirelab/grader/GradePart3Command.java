package dev.wirelab.grader;

import dev.wirelab.grader.part3.ClientGrader;
import dev.wirelab.grader.part3.ClientScenarios;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code grade part3 --client CMD}: grades a student's resilient client against scripted faults. */
@Command(name = "part3", mixinStandardHelpOptions = true,
        description = {"Grade a student's resilient client, in any language, against the lab's echo server with scripted faults.",
                "CMD runs through sh with {host} and {port} replaced, e.g.",
                "  --client 'python3 client.py {host} {port}'",
                "It gets the messages on stdin, one per line (line i is seq i), must deliver each once and exit 0.",
                "Every check is made at the server."})
public final class GradePart3Command implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--client", paramLabel = "CMD", description = "The student's client command, with placeholders.")
    String client;

    @Mixin
    GradeOptions options;

    @Override
    public Integer call() throws Exception {
        return options.listOrGrade(spec.commandLine().getOut(), "part3", "--client", client, "python3 client.py {host} {port}", ClientScenarios.ALL,
                ClientGrader.PLACEHOLDERS, ClientGrader.REQUIRED, cmd -> new ClientGrader(cmd, Path.of("").toAbsolutePath(), options.seed()));
    }
}
