package dev.wirelab.part1;

import dev.wirelab.common.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The `part1` command: its subcommands are the lab steps of this part. */
@Command(name = "part1", mixinStandardHelpOptions = true, version = "wirelab 1.0",
        description = "Part 1 - packet inspection and security: plain vs TLS, seen on the wire.",
        subcommands = {ServerCommand.class, ClientCommand.class, CaptureCommand.class, DemoCommand.class})
public final class Part1 implements Runnable {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(Cli.execute(new Part1(), args));
    }

    @Override
    public void run() {
        throw Cli.missingCommand(spec);
    }
}
