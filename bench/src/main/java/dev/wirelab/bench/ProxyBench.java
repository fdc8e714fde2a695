package dev.wirelab.bench;

import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.FaultProxy;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * What part 2's fault proxy costs when it injects nothing: bulk throughput one way, and echo round
 * trip latency, each through the proxy against a direct connection to the same server in the same
 * run. Its splitter still cuts the stream into lines, as it does whenever faults are on.
 */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = {"Part 2: the fault proxy without faults against a direct connection: one-way bulk throughput and the "
                + "p50/p99 latency it adds to echo round trips, at 1 and 100 connections."})
public final class ProxyBench implements Callable<Integer>, Planned {

    @Spec
    CommandSpec spec;

    @Option(names = "--megabytes", paramLabel = "MIB", defaultValue = "256",
            description = "Bytes sent per bulk run, over all its connections (default: ${DEFAULT-VALUE}).")
    int megabytes;

    @Option(names = "--line", paramLabel = "BYTES", defaultValue = "1024",
            description = "Line length of the bulk data, newline included: the proxy's unit (default: ${DEFAULT-VALUE}).")
    int line;

    @Option(names = "--connections", paramLabel = "LIST", split = ",", defaultValue = "1,100",
            description = "Concurrency levels (default: ${DEFAULT-VALUE}).")
    int[] levels;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
            description = "Runs per path, level and measurement, direct and proxied alternating (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--seconds", paramLabel = "SECONDS", defaultValue = "3",
            description = "Measured time of each latency run (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "1",
            description = "Unmeasured warm-up before each latency run (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "32",
            description = "Bytes per echoed line in the latency runs (default: ${DEFAULT-VALUE}).")
    int size;

    private static final int WARMUP_CONNECTIONS = 100;

    /** Bulk throughput assumed for the time estimate only (loopback through one extra hop). */
    private static final double ASSUMED_MB_PER_S = 300;

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        int steps = 2 + levels.length * rounds * 4;
        Progress progress = new Progress(spec.commandLine().getErr(), steps, planned());
        long bytes = (long) megabytes << 20;
        byte[] message = Load.line(size);
        double[][][] mbs = new double[levels.length][2][rounds];
        Histogram[][] latency = new Histogram[levels.length][2];
        double[][][] rates = new double[levels.length][2][rounds];
        try (EchoServer echo = EchoServer.builder().host("127.0.0.1").port(0).idleTimeout(Duration.ZERO).start();
             FaultProxy echoProxy = proxy(echo.address());
             BulkSink sink = new BulkSink();
             FaultProxy sinkProxy = proxy(sink.address())) {
            InetSocketAddress[] bulkPaths = {sink.address(), sinkProxy.address()};
            InetSocketAddress[] echoPaths = {echo.address(), echoProxy.address()};
            progress.step("warming up: bulk transfer, direct and through the proxy");
            for (InetSocketAddress a : bulkPaths) {
                BulkSink.transfer(a, 4, Math.max(line, bytes / 16 / line * line), line);
            }
            progress.step("warming up: echo round trips, direct and through the proxy");
            for (InetSocketAddress a : echoPaths) {
                latencyRun(a, WARMUP_CONNECTIONS, message, 0, Math.max(1, warmup));
            }
            for (int l = 0; l < levels.length; l++) {
                int c = levels[l];
                long perConnection = Math.max(line, bytes / c / line * line);
                for (int p = 0; p < 2; p++) {
                    latency[l][p] = new Histogram(3);
                }
                for (int r = 0; r < rounds; r++) {
                    for (int k = 0; k < 2; k++) {
                        int p = (k + r) % 2;
                        progress.step(String.format(Locale.ROOT, "bulk %d MiB %s, %d connection(s), round %d of %d", megabytes,
                                path(p), c, r + 1, rounds));
                        double s = BulkSink.transfer(bulkPaths[p], c, perConnection, line);
                        mbs[l][p][r] = perConnection * c / s / 1e6;
                    }
                    for (int k = 0; k < 2; k++) {
                        int p = (k + r) % 2;
                        progress.step(String.format(Locale.ROOT, "echo round trips %s, %d connection(s), round %d of %d", path(p), c,
                                r + 1, rounds));
                        Load.Window w = latencyRun(echoPaths[p], c, message, warmup, seconds);
                        latency[l][p].add(w.latency());
                        rates[l][p][r] = w.perSecond();
                    }
                }
            }
        }
        progress.note("proxy bench done in " + Progress.clock(progress.elapsed()));
        print(out, mbs, latency, rates);
        return 0;
    }

    private static String path(int p) {
        return p == 0 ? "direct" : "through the proxy";
    }

    private void validate() {
        if (megabytes < 1 || megabytes > 65_536 || line < 2 || line > 65_536 || rounds < 1 || rounds > 50) {
            throw new ParameterException(spec.commandLine(), "--megabytes must be 1..65536, --line 2..65536, --rounds 1..50");
        }
        if (!(seconds > 0) || seconds > 600 || !(warmup >= 0) || warmup > 600 || size < 2 || size > 65_536) {
            throw new ParameterException(spec.commandLine(), "--seconds must be above 0 and at most 600, --warmup 0..600, --size 2..65536");
        }
        for (int c : levels) {
            if (c < 1 || c > 1000) {
                throw new ParameterException(spec.commandLine(), "--connections must each be 1..1000");
            }
        }
    }

    @Override
    public Duration planned() {
        double bulk = (megabytes * 1.048576 / ASSUMED_MB_PER_S) * (1 + levels.length * rounds) * 2;
        double echo = 2 * Math.max(1, warmup) + levels.length * rounds * 2 * (warmup + seconds);
        return Progress.seconds(bulk + echo);
    }

    private FaultProxy proxy(InetSocketAddress upstream) throws java.io.IOException {
        return FaultProxy.builder().host("127.0.0.1").port(0).upstream(upstream).faults(FaultConfig.none())
                .maxConnections(2 * Math.max(WARMUP_CONNECTIONS, Arrays.stream(levels).max().orElse(1))).start();
    }

    private static Load.Window latencyRun(InetSocketAddress target, int connections, byte[] message, double warmupSeconds,
                                          double measureSeconds) throws Exception {
        try (Load load = Load.Kind.SELECTOR.open(target, connections, Runtime.getRuntime().availableProcessors(), message)) {
            return load.measure(Progress.seconds(warmupSeconds), Progress.seconds(measureSeconds), () -> { }, () -> { });
        }
    }

    private void print(PrintWriter out, double[][][] mbs, Histogram[][] latency, double[][][] rates) {
        out.println();
        out.printf(Locale.ROOT, "Part 2's FaultProxy without faults (both directions cut into lines, as with faults on) in front of "
                + "a server, against a direct connection to the same server; loopback, %d round(s) per path and level in "
                + "alternating order, medians with the range.%n%n", rounds);
        out.printf(Locale.ROOT, "One-way bulk: %d MiB per run split over the connections, in %d-byte lines; the sink counts the "
                + "bytes and answers with the count, which each sender checks.%n%n", megabytes, line);
        out.println("| connections | path | throughput (MB/s) | through the proxy ÷ direct |");
        out.println("|---:|---|---:|---:|");
        for (int l = 0; l < levels.length; l++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = mbs[l][1][r] / mbs[l][0][r];
            }
            for (int p = 0; p < 2; p++) {
                out.printf(Locale.ROOT, "| %d | %s | %s | %s |%n", levels[l], path(p), Stats.range(mbs[l][p], "%,.0f"),
                        p == 0 ? "1.00×" : Stats.range(ratio, "%.2f×"));
            }
        }
        out.println();
        out.printf(Locale.ROOT, "Echo round trips: part 2's EchoServer, %d-byte lines, closed loop (selector generator), %s s "
                + "measured per run after %s s of warm-up; latency over all rounds' round trips.%n%n", size,
                Stats.trim(seconds), Stats.trim(warmup));
        out.println("| connections | path | round trips/s | p50 latency | p99 latency | added p50 | added p99 |");
        out.println("|---:|---|---:|---:|---:|---:|---:|");
        for (int l = 0; l < levels.length; l++) {
            double p50 = latency[l][0].getValueAtPercentile(50) / 1000.0;
            double p99 = latency[l][0].getValueAtPercentile(99) / 1000.0;
            for (int p = 0; p < 2; p++) {
                double a50 = latency[l][p].getValueAtPercentile(50) / 1000.0;
                double a99 = latency[l][p].getValueAtPercentile(99) / 1000.0;
                out.printf(Locale.ROOT, "| %d | %s | %s | %.0f µs | %.0f µs | %s | %s |%n", levels[l], path(p), Stats.range(rates[l][p], "%,.0f"),
                        a50, a99, p == 0 ? "" : String.format(Locale.ROOT, "%+.0f µs", a50 - p50),
                        p == 0 ? "" : String.format(Locale.ROOT, "%+.0f µs", a99 - p99));
            }
        }
        out.flush();
    }
}
