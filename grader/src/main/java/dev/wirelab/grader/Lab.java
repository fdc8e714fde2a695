package dev.wirelab.grader;

import dev.wirelab.common.Cli;
import dev.wirelab.grader.exercise.ExerciseCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Exercise mode: {@code ./lab grade ...} and {@code ./lab exercise ...}. */
@Command(name = "lab", mixinStandardHelpOptions = true, version = "wirelab 1.0",
        description = "Exercise mode: grade a student's own echo server or resilient client, or write a starter project.",
        subcommands = {GradeCommand.class, ExerciseCommand.class})
public final class Lab implements Runnable {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(Cli.execute(new Lab(), args));
    }

    @Override
    public void run() {
        throw Cli.missingCommand(spec);
    }
}
