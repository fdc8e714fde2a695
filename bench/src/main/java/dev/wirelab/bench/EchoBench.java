package dev.wirelab.bench;

import dev.wirelab.bench.EchoTargets.Target;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Echo throughput, latency and server CPU of part 2's echo server (no faults) against Netty's
 * example echo server ({@code EchoServerHandler} on NIO), in the same run, under two load
 * generators: the selector-driven {@link EchoLoad} and the blocking {@link BlockingEchoLoad}.
 * Besides round trips per second it reads how much CPU each server's threads used per echo, and
 * how much they use while their clients are connected but silent.
 */
@Command(name = "echo", mixinStandardHelpOptions = true,
        description = {"Part 2: echo round trips per second, p50/p99 latency and server CPU per echo at 1, 100 and 1,000 "
                + "connections, part 2's echo server vs Netty's example EchoServerHandler (NIO), under a selector-driven and a "
                + "blocking load generator, on loopback; then each server's CPU while its clients are idle, and while one client pings "
                + "at a low rate."})
public final class EchoBench implements Callable<Integer>, Planned {

    /** Which load generator(s) to run. */
    enum Generators {
        SELECTOR(List.of(Load.Kind.SELECTOR)),
        BLOCKING(List.of(Load.Kind.BLOCKING)),
        BOTH(List.of(Load.Kind.SELECTOR, Load.Kind.BLOCKING));

        final List<Load.Kind> kinds;

        Generators(List<Load.Kind> kinds) {
            this.kinds = kinds;
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--seconds", paramLabel = "SECONDS", defaultValue = "3",
            description = "Measured time per server, generator, level and round (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "1",
            description = "Unmeasured warm-up before each measured run (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--connections", paramLabel = "LIST", split = ",", defaultValue = "1,100,1000",
            description = "Concurrency levels (default: ${DEFAULT-VALUE}).")
    int[] levels;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "32",
            description = "Bytes per message, newline included (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5",
            description = "Runs per server, generator and level, in alternating order (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--generator", paramLabel = "KIND", defaultValue = "both",
            description = "Load generator: selector (a few threads, one selector each), blocking (a virtual thread and a "
                    + "blocking socket per connection) or both (default: ${DEFAULT-VALUE}).")
    Generators generators;

    @Option(names = "--load-threads", paramLabel = "N",
            description = "Threads of the selector generator (default: one per core, here ${DEFAULT-VALUE}).")
    int loadThreads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--netty-loops", paramLabel = "N", defaultValue = "0",
            description = "Netty's worker event loops; 0 = Netty's default, two per core (default: ${DEFAULT-VALUE}).")
    int nettyLoops;

    @Option(names = "--part2-loops", paramLabel = "N", defaultValue = "0",
            description = "Part 2's event loops; 0 = its default, one per core (default: ${DEFAULT-VALUE}).")
    int part2Loops;

    @Option(names = "--idle-seconds", paramLabel = "SECONDS", defaultValue = "3",
            description = "How long each server's CPU is read while its clients are connected and silent; 0 skips it "
                    + "(default: ${DEFAULT-VALUE}).")
    double idleSeconds;

    @Option(names = "--idle-connections", paramLabel = "N", defaultValue = "100",
            description = "Connected, silent clients while idle CPU is read (default: ${DEFAULT-VALUE}).")
    int idleConnections;

    @Option(names = "--paced-seconds", paramLabel = "SECONDS", defaultValue = "3",
            description = "How long one client pings at a low steady rate while each server's CPU is read; 0 skips it "
                    + "(default: ${DEFAULT-VALUE}).")
    double pacedSeconds;

    @Option(names = "--paced-interval-us", paramLabel = "MICROSECONDS", defaultValue = "200",
            description = "The paced client's interval between one echo and the next message (default: ${DEFAULT-VALUE}).")
    int pacedIntervalMicros;

    /** Settling time before idle CPU is read: the last echo's work is over by then. */
    private static final Duration IDLE_SETTLE = Duration.ofMillis(500);

    /** One measured run of one server. */
    record Run(Load.Window window, long serverCpuNanos) {
        double cpuPerEcho() {
            return serverCpuNanos / 1000.0 / Math.max(1, window.count());
        }
    }

    /** The result of every run: [generator][level][server][round]; server 0 is part 2, the last is Netty. */
    private Run[][][][] runs;

    /** What one server did under the paced client: echoes, and its CPU over the same time. */
    record Paced(long echoes, long elapsedNanos, long serverCpuNanos) {
        double cpuMillisPerSecond() {
            return serverCpuNanos / 1e6 / (elapsedNanos / 1e9);
        }

        double cpuPerEcho() {
            return serverCpuNanos / 1000.0 / Math.max(1, echoes);
        }
    }

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        List<Load.Kind> kinds = generators.kinds;
        byte[] message = Load.line(size);
        int n = servers();
        // Twice the warm-up per run, once per server and generator, before anything counts.
        double warmAll = warmup * 2;
        int steps = (warmAll > 0 ? kinds.size() * n : 0) + kinds.size() * levels.length * rounds * n + (idleSeconds > 0 ? n : 0)
                + (pacedSeconds > 0 ? n : 0);
        Progress progress = new Progress(spec.commandLine().getErr(), steps, planned());
        runs = new Run[kinds.size()][levels.length][n][rounds];
        double[] idleCpu = new double[n];
        Paced[] paced = new Paced[n];
        String[] names = new String[n];
        List<Target> targets = new ArrayList<>();
        try {
            targets.add(EchoTargets.part2(part2Loops));
            targets.add(EchoTargets.netty(nettyLoops));
            for (int t = 0; t < n; t++) {
                names[t] = targets.get(t).name();
            }
            // Every server and both generators get JIT-compiled before anything counts.
            for (Load.Kind kind : warmAll > 0 ? kinds : List.<Load.Kind>of()) {
                for (Target t : targets) {
                    progress.step("warming up " + t.name() + " with the " + kind.label() + " generator (100 connections, "
                            + Stats.trim(warmAll) + " s)");
                    run(t, kind, 100, message, 0, warmAll);
                }
            }
            for (int l = 0; l < levels.length; l++) {
                for (int r = 0; r < rounds; r++) {
                    for (int g = 0; g < kinds.size(); g++) {
                        // Rotate the order so no server always runs first (on a colder machine).
                        for (int k = 0; k < n; k++) {
                            int t = (k + r + g) % n;
                            progress.step(String.format(Locale.ROOT, "%s, %s generator, %d connection(s), round %d of %d",
                                    names[t], kinds.get(g).label(), levels[l], r + 1, rounds));
                            runs[g][l][t][r] = run(targets.get(t), kinds.get(g), levels[l], message, warmup, seconds);
                        }
                    }
                }
            }
            if (idleSeconds > 0) {
                for (int t = 0; t < n; t++) {
                    progress.step(String.format(Locale.ROOT, "CPU of %s with %d idle connections (%s s)", names[t],
                            idleConnections, Stats.trim(idleSeconds)));
                    idleCpu[t] = idleCpuMillisPerSecond(targets.get(t), message);
                }
            }
            if (pacedSeconds > 0) {
                for (int t = 0; t < n; t++) {
                    progress.step(String.format(Locale.ROOT, "CPU of %s with one client pinging every %d µs (%s s)", names[t],
                            pacedIntervalMicros, Stats.trim(pacedSeconds)));
                    paced[t] = paced(targets.get(t), message);
                }
            }
        } finally {
            for (Target t : targets) {
                t.close();
            }
        }
        progress.note("echo bench done in " + Progress.clock(progress.elapsed()));
        print(out, kinds, names, idleCpu, paced);
        return 0;
    }

    /** Servers compared: part 2 first, Netty last (a third, such as a variant of part 2, would go between). */
    private int servers() {
        return 2;
    }

    private void validate() {
        if (!(seconds > 0) || seconds > 600 || !(warmup >= 0) || warmup > 600) {
            throw new ParameterException(spec.commandLine(), "--seconds must be above 0 and at most 600, --warmup 0..600");
        }
        if (size < 2 || size > 65536) {
            throw new ParameterException(spec.commandLine(), "--size must be 2..65536 bytes");
        }
        for (int c : levels) {
            if (c < 1 || c > 10_000) {
                throw new ParameterException(spec.commandLine(), "--connections must each be 1..10000");
            }
        }
        if (rounds < 1 || rounds > 50) {
            throw new ParameterException(spec.commandLine(), "--rounds must be 1..50");
        }
        if (nettyLoops < 0 || nettyLoops > 256 || part2Loops < 0 || part2Loops > 256) {
            throw new ParameterException(spec.commandLine(), "--netty-loops and --part2-loops must be 0..256");
        }
        if (loadThreads < 1 || loadThreads > 64) {
            throw new ParameterException(spec.commandLine(), "--load-threads must be 1..64");
        }
        if (!(idleSeconds >= 0) || idleSeconds > 600 || idleConnections < 1 || idleConnections > 10_000) {
            throw new ParameterException(spec.commandLine(), "--idle-seconds must be 0..600, --idle-connections 1..10000");
        }
        if (!(pacedSeconds >= 0) || pacedSeconds > 600 || pacedIntervalMicros < 10 || pacedIntervalMicros > 1_000_000) {
            throw new ParameterException(spec.commandLine(), "--paced-seconds must be 0..600, --paced-interval-us 10..1000000");
        }
    }

    /** Connecting and closing one load connection, for the estimate only (1,000 take about a second). */
    private static final double CONNECTION_SECONDS = 0.001;

    @Override
    public Duration planned() {
        int g = generators.kinds.size();
        int n = servers();
        double connections = Arrays.stream(levels).asDoubleStream().sum() * rounds * g * n + 100.0 * g * n;
        double s = g * n * warmup * 2 + g * levels.length * rounds * n * (warmup + seconds) + connections * CONNECTION_SECONDS
                + (idleSeconds > 0 ? n * (idleSeconds + IDLE_SETTLE.toMillis() / 1000.0 + idleConnections * CONNECTION_SECONDS) : 0)
                + (pacedSeconds > 0 ? n * (pacedSeconds + PACED_SETTLE.toMillis() / 1000.0) : 0);
        return Progress.seconds(s);
    }

    private void print(PrintWriter out, List<Load.Kind> kinds, String[] names, double[] idleCpu, Paced[] paced) {
        int n = names.length;
        int netty = n - 1;
        out.println();
        out.printf(Locale.ROOT, "Echo round trips, %d-byte lines, closed loop (one message in flight per connection); generators: "
                        + "selector = %d platform thread(s) with a selector each, blocking = a virtual thread per connection on a "
                        + "blocking java.net.Socket.%n%d round(s) of %s s per server, generator and level, each after %s s of warm-up, "
                        + "in alternating order; rates and CPU per echo are medians over the rounds, latency over all rounds' "
                        + "round trips.%n%n",
                size, loadThreads, rounds, Stats.trim(seconds), Stats.trim(warmup));
        out.println("| generator | connections | server | round trips/s | p50 latency | p99 latency | server CPU per echo "
                + "(median, range) | load CPU per echo | vs Netty (median, range over rounds) |");
        out.println("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        boolean fasterEverywhere = true;
        boolean cheaperEverywhere = true;
        List<String> verdicts = new ArrayList<>();
        Resolved resolved = new Resolved(rounds);
        for (int g = 0; g < kinds.size(); g++) {
            for (int l = 0; l < levels.length; l++) {
                Run[][] level = runs[g][l];
                double[] ratios = ratios(level, 0, netty);
                double[] cpu0 = cpuPerEcho(level[0]);
                double[] cpu1 = cpuPerEcho(level[netty]);
                for (int t = 0; t < n; t++) {
                    out.println(row(kinds.get(g), levels[l], names[t], level[t],
                            t == netty ? "1.00×" : Stats.range(ratios(level, t, netty), "%.2f×")));
                }
                fasterEverywhere &= Stats.median(ratios) >= 1.0;
                cheaperEverywhere &= Stats.median(cpu0) <= Stats.median(cpu1);
                verdicts.add(String.format(Locale.ROOT, "%s, %d: %.2f× the round trips, %.1f vs %.1f µs CPU per echo",
                        kinds.get(g).label(), levels[l], Stats.median(ratios), Stats.median(cpu0), Stats.median(cpu1)));
                double[] cpuRatios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    cpuRatios[r] = cpu0[r] / cpu1[r];
                }
                resolved.add(kinds.get(g).label(), levels[l], ratios, cpuRatios);
            }
        }
        if (idleSeconds > 0) {
            out.println();
            out.printf(Locale.ROOT, "Server CPU while idle: %d connected clients, each after one echo, then silent; read over %s s "
                    + "after %d ms of settling.%n%n", idleConnections, Stats.trim(idleSeconds), IDLE_SETTLE.toMillis());
            out.println("| server | CPU while idle (ms per second) | share of one core |");
            out.println("|---|---:|---:|");
            for (int t = 0; t < n; t++) {
                out.printf(Locale.ROOT, "| %s | %.2f | %.2f %% |%n", names[t], idleCpu[t], idleCpu[t] / 10);
            }
        }
        if (pacedSeconds > 0) {
            out.println();
            out.printf(Locale.ROOT, "Server CPU at a low rate: one client sends a message %d µs after each echo, for %s s.%n%n",
                    pacedIntervalMicros, Stats.trim(pacedSeconds));
            out.println("| server | echoes/s | server CPU (ms per second) | server CPU per echo |");
            out.println("|---|---:|---:|---:|");
            for (int t = 0; t < n; t++) {
                out.printf(Locale.ROOT, "| %s | %,.0f | %.1f | %.1f µs |%n", names[t], paced[t].echoes() / (paced[t].elapsedNanos() / 1e9),
                        paced[t].cpuMillisPerSecond(), paced[t].cpuPerEcho());
            }
            cheaperEverywhere &= paced[0].cpuPerEcho() <= paced[netty].cpuPerEcho();
        }
        out.println();
        resolved.print(out, "Netty");
        out.println("Part 2 against Netty (" + String.join("; ", verdicts) + ").");
        out.println("Goal, at least Netty's round trips/s at every level under every generator: " + (fasterEverywhere ? "met" : "NOT met") + ".");
        out.println("Goal, at most Netty's server CPU per echo at every level under every generator"
                + (pacedSeconds > 0 ? " and at the low rate" : "") + ": "
                + (cheaperEverywhere ? "met" : "NOT met") + ".");
        out.flush();
    }

    private String row(Load.Kind kind, int connections, String name, Run[] rs, String vs) {
        Histogram all = new Histogram(3);
        double[] rates = new double[rs.length];
        long echoes = 0;
        long loadCpu = 0;
        for (int r = 0; r < rs.length; r++) {
            all.add(rs[r].window().latency());
            rates[r] = rs[r].window().perSecond();
            echoes += rs[r].window().count();
            loadCpu += rs[r].window().loadCpuNanos();
        }
        double[] cpu = cpuPerEcho(rs);
        return String.format(Locale.ROOT, "| %s | %d | %s | %,.0f | %.0f µs | %.0f µs | %.1f µs (%.1f–%.1f) | %.1f µs | %s |",
                kind.label(), connections, name, Stats.median(rates), all.getValueAtPercentile(50) / 1000.0,
                all.getValueAtPercentile(99) / 1000.0, Stats.median(cpu), Stats.min(cpu), Stats.max(cpu), loadCpu / 1000.0 / Math.max(1, echoes), vs);
    }

    /** Per round: server {@code t}'s round trips/s over server {@code ref}'s. */
    private double[] ratios(Run[][] level, int t, int ref) {
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratios[r] = level[t][r].window().perSecond() / level[ref][r].window().perSecond();
        }
        return ratios;
    }

    private static double[] cpuPerEcho(Run[] rs) {
        return Arrays.stream(rs).mapToDouble(Run::cpuPerEcho).toArray();
    }

    private Run run(Target target, Load.Kind kind, int connections, byte[] message, double warmupSeconds, double measureSeconds)
            throws Exception {
        try (Load load = kind.open(target.address(), connections, loadThreads, message)) {
            // The server's CPU is read over the same window as the load's count.
            long[] cpu = new long[1];
            Load.Window window = load.measure(Progress.seconds(warmupSeconds), Progress.seconds(measureSeconds),
                    () -> cpu[0] -= target.cpuNanos(), () -> cpu[0] += target.cpuNanos());
            if (cpu[0] == 0 && window.count() > 0) {
                // Thread names are how the CPU is found; a renamed thread would read as free.
                throw new IllegalStateException("no CPU time found for the threads " + target.threads() + " of " + target.name()
                        + ", which served " + window.count() + " echoes: were they renamed?");
            }
            return new Run(window, cpu[0]);
        }
    }

    /** CPU milliseconds per second the server's threads use while {@code idleConnections} clients are connected and silent. */
    private double idleCpuMillisPerSecond(Target target, byte[] message) throws IOException, InterruptedException {
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < idleConnections; i++) {
                Socket s = new Socket();
                clients.add(s);
                s.setSoTimeout(10_000);
                s.connect(target.address(), 5000);
                s.setTcpNoDelay(true);
                // One echo each: the server has met every connection before it idles.
                s.getOutputStream().write(message);
                InputStream in = s.getInputStream();
                if (!Arrays.equals(in.readNBytes(message.length), message)) {
                    throw new IOException("the echo of " + target.name() + " differs from the message");
                }
            }
            Thread.sleep(IDLE_SETTLE);
            long cpu0 = target.cpuNanos();
            long t0 = System.nanoTime();
            Thread.sleep(Progress.seconds(idleSeconds));
            long cpu = target.cpuNanos() - cpu0;
            long elapsed = System.nanoTime() - t0;
            return cpu / 1e6 / (elapsed / 1e9);
        } finally {
            for (Socket s : clients) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    /** Settling time before the paced client's window: its connection's set-up is over by then. */
    private static final Duration PACED_SETTLE = Duration.ofMillis(200);

    /**
     * One blocking client that sends a message {@code pacedIntervalMicros} after each echo, the
     * way a client with something to do between requests behaves: the rate a busy poll is paid
     * for, since each pause is longer than a poll is worth and the server sleeps in between.
     */
    private Paced paced(Target target, byte[] message) throws IOException, InterruptedException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(target.address(), 5000);
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            long deadline = System.nanoTime() + PACED_SETTLE.toNanos();
            long echoes = 0;
            long cpu0 = 0;
            long t0 = 0;
            boolean measuring = false;
            long end = Long.MAX_VALUE;
            while (true) {
                long now = System.nanoTime();
                if (!measuring && now - deadline >= 0) {
                    measuring = true;
                    cpu0 = target.cpuNanos();
                    t0 = System.nanoTime();
                    end = t0 + Progress.seconds(pacedSeconds).toNanos();
                    echoes = 0;
                } else if (measuring && now - end >= 0) {
                    break;
                }
                s.getOutputStream().write(message);
                if (!Arrays.equals(in.readNBytes(message.length), message)) {
                    throw new IOException("the echo of " + target.name() + " differs from the message");
                }
                echoes++;
                java.util.concurrent.locks.LockSupport.parkNanos(pacedIntervalMicros * 1000L);
            }
            long cpu = target.cpuNanos() - cpu0;
            return new Paced(echoes, System.nanoTime() - t0, cpu);
        }
    }
}
