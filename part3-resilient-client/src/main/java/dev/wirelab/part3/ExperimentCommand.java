package dev.wirelab.part3;

import dev.wirelab.part2.LossMode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code part3 experiment}: the client over a sweep of fault rates and windows, as a table and a chart. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = {"Sweep loss rates and windows against part 2's echo server; table and chart.",
                "Runs the resilient client against part 2's echo server (started in this process) for every "
                        + "combination of loss rate, corruption rate and window. The JVM is warmed up first; "
                        + "each point is run --repeat times, interleaved, and reported as median and range. "
                        + "Prints a table; --chart also draws a PNG."})
public final class ExperimentCommand implements Callable<Integer> {

    static final int MAX_RUNS = 600;

    @Spec
    CommandSpec spec;

    @Option(names = "--loss", split = ",", paramLabel = "RATE", defaultValue = "0,0.1,0.2,0.3",
            description = "Loss rates to try, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Double> losses;

    @Option(names = "--loss-mode", paramLabel = "MODE", defaultValue = "replace",
            description = "replace (ERROR \"Packet Loss\" reply) or drop (no reply: the timer must notice) (default: replace).")
    LossMode lossMode;

    @Option(names = "--corrupt", split = ",", paramLabel = "RATE", defaultValue = "0",
            description = "Corruption rates to try, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Double> corrupts;

    @Option(names = "--delay", paramLabel = "SECONDS", defaultValue = "0.005",
            description = "Server reply delay, like network latency; a few ms let the protocol, not the JVM, "
                    + "set the time (default: ${DEFAULT-VALUE}).")
    double delaySeconds;

    @Option(names = "--window", split = ",", paramLabel = "N", defaultValue = "1,8",
            description = "Windows to try, comma-separated; 1 = stop-and-wait (default: ${DEFAULT-VALUE}).")
    List<Integer> windows;

    @Option(names = "--count", paramLabel = "N", defaultValue = "" + Sweep.DEFAULT_COUNT,
            description = "Messages per run (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "32",
            description = "Bytes per message (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "" + Sweep.DEFAULT_REPEATS,
            description = "Runs per point; the table shows their median and range (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "" + Sweep.DEFAULT_WARMUP,
            description = "Messages of the unmeasured warm-up run per window; 0 = none (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the server's faults, so a sweep can be repeated (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--chart", paramLabel = "FILE", description = "Draw goodput and transmissions per message to this PNG file.")
    Path chart;

    @Override
    public Integer call() throws IOException {
        Sweep sweep = sweep();
        if (chart != null) {
            Chart.checkWritable(chart);
        }
        PrintWriter out = spec.commandLine().getOut();
        List<Sweep.Point> points = sweep.run(line -> {
            out.println(line);
            out.flush();
        });
        out.println();
        out.print(Sweep.table(points));
        // The table is the result; it is on screen even if drawing the chart fails.
        out.flush();
        if (chart != null) {
            Chart.write(points, chart);
            out.println();
            out.println("chart written to " + chart);
        }
        out.flush();
        boolean allCorrect = points.stream().allMatch(Sweep.Point::correct);
        if (!allCorrect) {
            spec.commandLine().getErr().println("error: some runs did not deliver every message exactly once (see the table)");
        }
        return allCorrect ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
    }

    /** The options as a sweep; a usage error for values out of range. */
    Sweep sweep() {
        for (double p : losses) {
            rate("--loss", p);
        }
        for (double p : corrupts) {
            rate("--corrupt", p);
        }
        if (!(delaySeconds >= 0 && delaySeconds <= 10)) { // also NaN
            throw usage("--delay must be 0..10 seconds, got " + delaySeconds);
        }
        for (int w : windows) {
            if (w < 1 || w > ClientCommand.MAX_WINDOW) {
                throw usage("--window values must be 1.." + ClientCommand.MAX_WINDOW + ", got " + w);
            }
        }
        if (count < 1 || count > 1_000_000) {
            throw usage("--count must be 1..1000000, got " + count);
        }
        if (size < 1 || size > 65_536) {
            throw usage("--size must be 1..65536, got " + size);
        }
        if (repeats < 1 || repeats > 100) {
            throw usage("--repeat must be 1..100, got " + repeats);
        }
        if (warmup < 0 || warmup > 100_000) {
            throw usage("--warmup must be 0..100000, got " + warmup);
        }
        ClientCommand.checkTotal(spec.commandLine(), "--count " + count + " x --size " + size, count, (long) count * size);
        if ((long) losses.size() * corrupts.size() * windows.size() * repeats > MAX_RUNS) {
            throw usage("that sweep has more than " + MAX_RUNS + " runs (values x windows x --repeat); try fewer");
        }
        return new Sweep(losses, corrupts, Duration.ofNanos(Math.round(delaySeconds * 1e9)), lossMode, windows, count, size,
                seed, repeats, warmup);
    }

    private void rate(String flag, double p) {
        // A rate of 1.0 means nothing ever gets through: the sweep would only measure giving up.
        if (!(p >= 0 && p < 1)) {
            throw usage(flag + " values must be at least 0 and below 1, got " + p);
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
