package dev.wirelab.grader.exercise;

import dev.wirelab.common.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code exercise}: starter projects for students. */
@Command(name = "exercise", mixinStandardHelpOptions = true,
        description = "Starter projects for students: the wire-format plumbing done, the reliability left to them.",
        subcommands = InitCommand.class)
public final class ExerciseCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Cli.missingCommand(spec);
    }
}
