package dev.wirelab.grader;

import dev.wirelab.common.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code grade}: its subcommands grade one part each. */
@Command(name = "grade", mixinStandardHelpOptions = true,
        description = {"Grade a student's program, in any language, against scripted scenarios.",
                "Exit 0 only if every scenario passed."},
        subcommands = {GradePart2Command.class, GradePart3Command.class})
public final class GradeCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Cli.missingCommand(spec);
    }
}
