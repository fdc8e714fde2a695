package dev.wirelab.part3;

import dev.wirelab.common.Cli;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The `part3` command: its subcommands are the lab steps of this part. */
@Command(name = "part3", mixinStandardHelpOptions = true, version = "wirelab 1.0",
        description = "Part 3: a resilient client (checksums, sequence numbers, ACKs, timeouts, retransmission).",
        subcommands = {ClientCommand.class, ExperimentCommand.class, DemoCommand.class})
public final class Part3 implements Runnable {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        // The experiment draws its chart into an image; there is no display to open.
        System.setProperty("java.awt.headless", "true");
        System.exit(Cli.execute(commandLine(), args));
    }

    /**
     * The part's command line: common's conventions (a failure is one line; an IOException is
     * exit 1, an IllegalArgumentException or a usage error exit 2) and enum options such as
     * {@code --loss-mode drop} parsed by picocli in any case.
     */
    public static CommandLine commandLine() {
        return configure(Cli.commandLine(new Part3()));
    }

    static CommandLine configure(CommandLine cl) {
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    @Override
    public void run() {
        throw Cli.missingCommand(spec);
    }
}
