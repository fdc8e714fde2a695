package dev.wirelab.part2.cli;

import dev.wirelab.common.Cli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The `part2` command: its subcommands are the lab steps of this part. */
@Command(name = "part2", mixinStandardHelpOptions = true, version = "wirelab 1.0",
        description = "Part 2 - fault tolerance: an echo server and a proxy that inject network faults.",
        subcommands = {EchoServerCommand.class, ProxyCommand.class, FaultsCommand.class, DemoCommand.class})
public final class Part2 implements Runnable {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(Cli.execute(new Part2(), args));
    }

    @Override
    public void run() {
        throw Cli.missingCommand(spec);
    }
}
