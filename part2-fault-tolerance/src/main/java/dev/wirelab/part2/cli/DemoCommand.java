package dev.wirelab.part2.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code part2 demo}: the report's section 3.2.2 A–C (and two more faults) in one run, on loopback. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Section 3.2.2 in one command: each fault in turn against a plain client.",
                "An echo server injects each fault while a plain client sends Test1: the delay measured,"
                        + " the Packet Loss reply, Te?t1 in a hex dump."})
final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--delay", paramLabel = "SECONDS", defaultValue = "1.0", description = "Delay of step A (default: ${DEFAULT-VALUE}).")
    double delay;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + Demo.REPORT_SEED,
            description = "Seed of the fault source (default ${DEFAULT-VALUE} flips byte 2, as the report's Te?t1).")
    long seed;

    @Option(names = "--color", description = "Highlight the flipped byte with reverse video instead of carets.")
    boolean color;

    @Override
    public Integer call() throws Exception {
        if (!(delay >= 0) || delay > 60) {
            throw new ParameterException(spec.commandLine(), "--delay must be 0..60 seconds, got " + delay);
        }
        Demo demo = new Demo(spec.commandLine().getOut(), Duration.ofNanos(Math.round(delay * 1e9)), seed, color);
        return demo.run() ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
    }
}
