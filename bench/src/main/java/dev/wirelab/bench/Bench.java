package dev.wirelab.bench;

import dev.wirelab.common.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ./lab bench}: every benchmark of the lab; each subcommand prints a Markdown table for docs/performance.md. */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "wirelab 1.0",
        description = "Benchmarks of all parts, each against a reference measured in the same run.",
        subcommands = {})
public final class Bench implements Runnable {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(Cli.execute(new Bench(), args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
