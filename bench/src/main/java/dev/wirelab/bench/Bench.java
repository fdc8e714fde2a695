package dev.wirelab.bench;

import dev.wirelab.common.Cli;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ./lab bench}: every benchmark of the lab; each prints Markdown tables for docs/performance.md. */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "wirelab 1.0",
        description = "Benchmarks of all parts, each against a reference measured in the same run.",
        subcommands = {CaptureBench.class, TlsBench.class, EchoBench.class, ReliabilityBench.class, Bench.All.class})
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

    /** {@code ./lab bench all}: every benchmark with its defaults, in the order of docs/performance.md. */
    @Command(name = "all", mixinStandardHelpOptions = true,
            description = "Runs every benchmark with its defaults (about 10 minutes): capture, tls, echo, reliability.")
    static final class All implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            int worst = Cli.OK;
            for (String name : List.of("capture", "tls", "echo", "reliability")) {
                CommandLine parent = spec.parent().commandLine();
                CommandLine sub = parent.getSubcommands().get(name);
                sub.getOut().println();
                sub.getOut().println("## ./lab bench " + name);
                sub.getOut().flush();
                int rc = sub.execute();
                worst = Math.max(worst, rc);
            }
            return worst;
        }
    }
}
