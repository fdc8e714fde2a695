package dev.wirelab.part3;

import dev.wirelab.common.Cli;
import dev.wirelab.common.UserError;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.LossMode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code part3 experiment}: the client over a sweep of fault rates and windows, as a table and a chart. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = {"Sweep fault rates and windows against part 2's echo server; table and chart.",
                "Runs the resilient client against part 2's echo server (started in this process) for every "
                        + "combination of loss rate, corruption rate and window, prints a table and optionally draws a PNG chart."})
public final class ExperimentCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--loss", split = ",", paramLabel = "LIST", defaultValue = "0,0.1,0.2,0.3",
            description = "Loss rates to try (default: ${DEFAULT-VALUE}).")
    List<Double> losses;

    @Option(names = "--loss-mode", paramLabel = "MODE", defaultValue = "replace",
            description = "replace (ERROR \"Packet Loss\" reply) or drop (no reply: the timer must notice) (default: ${DEFAULT-VALUE}).")
    String lossMode;

    @Option(names = "--corrupt", split = ",", paramLabel = "LIST", defaultValue = "0",
            description = "Corruption rates to try (default: ${DEFAULT-VALUE}).")
    List<Double> corrupts;

    @Option(names = "--delay", paramLabel = "SECONDS", defaultValue = "0",
            description = "Server reply delay, like network latency (default: ${DEFAULT-VALUE}).")
    double delaySeconds;

    @Option(names = "--window", split = ",", paramLabel = "LIST", defaultValue = "1,8",
            description = "Windows to try; 1 = stop-and-wait (default: ${DEFAULT-VALUE}).")
    List<Integer> windows;

    @Option(names = "--count", paramLabel = "N", defaultValue = "200",
            description = "Messages per run (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "32",
            description = "Bytes per message (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the server's faults, so a sweep can be repeated (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--chart", paramLabel = "FILE.png", description = "Draw goodput and transmissions per message to this PNG.")
    Path chart;

    @Override
    public Integer call() {
        LossMode mode = switch (lossMode.toLowerCase(Locale.ROOT)) {
            case "replace" -> LossMode.REPLACE;
            case "drop" -> LossMode.DROP;
            default -> throw new UserError("--loss-mode must be replace or drop, got " + lossMode, Cli.USAGE);
        };
        validate();
        if (chart != null) {
            // Minutes of sweeping must not end in "cannot write": find out now.
            Chart.checkWritable(chart);
        }
        PrintWriter out = spec.commandLine().getOut();
        List<FaultConfig> grid = Experiment.grid(losses, corrupts, Duration.ofNanos((long) (delaySeconds * 1e9)), mode);
        int total = grid.size() * windows.size();
        List<byte[]> payloads = ClientCommand.generate(count, size);
        List<Experiment.Result> results = new ArrayList<>();
        int run = 0;
        for (FaultConfig f : grid) {
            for (int w : windows) {
                run++;
                out.printf(Locale.ROOT, "[%d/%d] loss %.2f, corrupt %.2f, window %d: ", run, total, f.loss(), f.corrupt(), w);
                out.flush();
                Experiment.Result r = Experiment.run(f, seed, payloads, w, c -> c, ClientListener.NONE);
                results.add(r);
                out.printf(Locale.ROOT, "%d/%d delivered in %s%n", r.summary().delivered(), r.summary().messages(),
                        Summary.millis(r.summary().elapsedNanos()));
                out.flush();
            }
        }
        out.println();
        out.print(Experiment.table(results));
        // The table is the result; it is on screen even if drawing the chart fails.
        out.flush();
        if (chart != null) {
            Chart.write(results, chart);
            out.println();
            out.println("chart written to " + chart);
        }
        out.flush();
        boolean allCorrect = results.stream().allMatch(Experiment.Result::correct);
        if (!allCorrect) {
            spec.commandLine().getErr().println("error: some runs did not deliver every message exactly once (see the table)");
        }
        return allCorrect ? Cli.OK : Cli.FAILED;
    }

    private void validate() {
        for (double p : losses) {
            rate("--loss", p);
        }
        for (double p : corrupts) {
            rate("--corrupt", p);
        }
        if (!(delaySeconds >= 0 && delaySeconds <= 10)) { // also NaN
            throw new UserError("--delay must be 0..10 seconds, got " + delaySeconds, Cli.USAGE);
        }
        for (int w : windows) {
            if (w < 1 || w > ClientCommand.MAX_WINDOW) {
                throw new UserError("--window values must be 1.." + ClientCommand.MAX_WINDOW + ", got " + w, Cli.USAGE);
            }
        }
        if (count < 1 || count > 1_000_000) {
            throw new UserError("--count must be 1..1000000, got " + count, Cli.USAGE);
        }
        if (size < 1 || size > 65_536) {
            throw new UserError("--size must be 1..65536, got " + size, Cli.USAGE);
        }
        ClientCommand.checkTotal("--count " + count + " x --size " + size, count, (long) count * size);
        if (losses.size() * corrupts.size() * windows.size() > 200) {
            throw new UserError("that sweep has more than 200 runs; try fewer values", Cli.USAGE);
        }
    }

    private static void rate(String flag, double p) {
        // A rate of 1.0 means nothing ever gets through: the sweep would only measure giving up.
        if (!(p >= 0 && p < 1)) {
            throw new UserError(flag + " values must be at least 0 and below 1, got " + p, Cli.USAGE);
        }
    }
}
