package dev.wirelab.part3;

import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code part3 demo}: the plain client fooled, the resilient client not, through the same faults. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Plain client vs resilient client through the same faulty echo server.",
                "The same messages go through a faulty echo server, first with part 2's plain line client, "
                        + "then with the resilient client (trace and summary). The report's section 3.3 is a "
                        + "heading only: this is the client it names, built from the three fixes of 3.2.4."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--seed", defaultValue = "" + Demo.DEFAULT_SEED, paramLabel = "N",
            description = "Seed of the server's faults (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--count", defaultValue = "" + Demo.DEFAULT_COUNT, paramLabel = "N",
            description = "Messages to send, 1.." + Demo.MAX_COUNT + " (default: ${DEFAULT-VALUE}).")
    int count;

    @Override
    public Integer call() throws IOException {
        if (count < 1 || count > Demo.MAX_COUNT) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count must be 1.." + Demo.MAX_COUNT + ", got " + count);
        }
        Demo.Result r = new Demo(seed, count).run(spec.commandLine().getOut());
        return r.asExpected() ? CommandLine.ExitCode.OK : ClientCommand.report(r.resilient().summary(), spec.commandLine().getErr());
    }
}
