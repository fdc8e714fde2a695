package dev.wirelab.bench;

import dev.wirelab.common.Cli;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./lab bench}: every benchmark of the lab; each prints Markdown tables for docs/performance.md. */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "wirelab 1.0",
        description = {"Benchmarks of all parts, each against a reference measured in the same run.",
                "Tables go to stdout, progress to stderr: ./lab bench all > results.md keeps only the tables."},
        subcommands = {CaptureBench.class, TlsBench.class, EchoBench.class, ProxyBench.class, ClientBench.class,
                HostileBench.class, ReliabilityBench.class, ExperimentBench.class, Bench.All.class})
public final class Bench implements Runnable {

    /** What bench all runs, in the order of docs/performance.md. */
    static final List<String> ALL = List.of("capture", "tls", "echo", "proxy", "hostile", "client", "reliability", "experiment");

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(Cli.execute(new Bench(), args));
    }

    @Override
    public void run() {
        throw Cli.missingCommand(spec);
    }

    /** {@code ./lab bench all}: every benchmark with its defaults, in the order of docs/performance.md. */
    @Command(name = "all", mixinStandardHelpOptions = true,
            description = {"Runs every benchmark with its defaults: capture, tls, echo, proxy, hostile, client, reliability, experiment "
                    + "(about " + All.MINUTES + " minutes in all).",
                    "Each prints its progress and how long it has left on stderr and its tables on stdout; capture needs root and "
                            + "tcpdump, and fails alone without them."})
    static final class All implements Callable<Integer> {

        /** What the help says; a test holds it to the benches' own estimates and to docs/performance.md. */
        static final int MINUTES = 9;

        /** Each bench with tiny sizes: every code path of the real run, in about a minute, no figure worth keeping. */
        static final Map<String, List<String>> SMOKE = Map.of(
                "capture", List.of("--seconds", "1"),
                "tls", List.of("--megabytes", "8", "--runs", "1", "--handshakes", "20"),
                "echo", List.of("--seconds", "0.3", "--warmup", "0.1", "--rounds", "1", "--connections", "1,10",
                        "--idle-seconds", "0.3", "--idle-connections", "5", "--paced-seconds", "0.3"),
                "proxy", List.of("--megabytes", "4", "--connections", "1,5", "--rounds", "1", "--seconds", "0.3", "--warmup", "0.1"),
                "hostile", List.of("--slowloris", "20", "--non-readers", "10", "--push-kib", "256", "--seconds", "1",
                        "--trickle-seconds", "0.2", "--server-heap-mib", "64"),
                "client", List.of("--count", "100", "--rounds", "1"),
                "reliability", List.of("--count", "500", "--drop-count", "100", "--delay-ms", "20"),
                "experiment", List.of("--runs", "1", "--", "--loss", "0,0.1", "--window", "1", "--count", "20"));

        @Option(names = "--smoke", description = "Run every bench with tiny sizes instead (about a minute): checks that all of "
                + "them work before the real run; its figures mean nothing.")
        boolean smoke;

        @Spec
        CommandSpec spec;

        /** About how long every bench takes with its defaults, by their own estimates. */
        static Duration planned(CommandLine bench) {
            Duration sum = Duration.ZERO;
            for (String name : ALL) {
                bench.parseArgs(name); // sets every option of that bench to its default
                sum = sum.plus(((Planned) bench.getSubcommands().get(name).getCommand()).planned());
            }
            return sum;
        }

        @Override
        public Integer call() {
            CommandLine parent = spec.parent().commandLine();
            PrintWriter err = spec.commandLine().getErr();
            Duration planned = smoke ? Duration.ofMinutes(1) : planned(parent);
            long started = System.nanoTime();
            err.printf(Locale.ROOT, "bench all%s: %s, about %s%s%n", smoke ? " --smoke" : "", String.join(", ", ALL),
                    Progress.clock(planned), smoke ? " with tiny sizes (the figures mean nothing)" : " with the defaults");
            err.flush();
            int worst = Cli.OK;
            int k = 0;
            for (String name : ALL) {
                CommandLine sub = parent.getSubcommands().get(name);
                k++;
                err.printf(Locale.ROOT, "%n=== bench %s (%d of %d; %s since the start of bench all) ===%n", name, k, ALL.size(),
                        Progress.clock(Duration.ofNanos(System.nanoTime() - started)));
                err.flush();
                sub.getOut().println();
                sub.getOut().println("## ./lab bench " + name);
                sub.getOut().flush();
                int rc = sub.execute(smoke ? SMOKE.get(name).toArray(String[]::new) : new String[0]);
                worst = Math.max(worst, rc);
            }
            err.printf(Locale.ROOT, "%nbench all done in %s%s%n", Progress.clock(Duration.ofNanos(System.nanoTime() - started)),
                    worst == Cli.OK ? "" : " (some bench failed: see its error above)");
            err.flush();
            return worst;
        }
    }
}
