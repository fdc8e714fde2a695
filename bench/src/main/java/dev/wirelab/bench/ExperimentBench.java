package dev.wirelab.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a student waits for {@code ./lab part3 experiment} with its defaults: the whole sweep
 * in a fresh JVM each time, as the command runs, from start to exit.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = {"Part 3: wall time of 'part3 experiment' with its default sweep, each run in a fresh JVM as a student "
                + "runs it, from start to exit.",
                "Arguments after -- go to the experiment instead of its defaults. It takes --runs times the sweep's own time."})
public final class ExperimentBench implements Callable<Integer>, Planned {

    @Spec
    CommandSpec spec;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "3",
            description = "Sweeps to time; the median is shown with the range (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--timeout", paramLabel = "MINUTES", defaultValue = "20",
            description = "A sweep still running after this long is stopped and the bench fails (default: ${DEFAULT-VALUE}).")
    int timeoutMinutes;

    @Parameters(paramLabel = "EXPERIMENT_ARGS", arity = "0..*", description = "Options for the experiment (after --).")
    List<String> experimentArgs = new ArrayList<>();

    /**
     * What one sweep of the defaults is assumed to take, for the estimate only: 40 runs with
     * warm-up and repeated points took 22.6-24.5 s on the lab's shared 2-core machine (2026-12-03).
     */
    private static final Duration ASSUMED_SWEEP = Duration.ofSeconds(23);

    /** The experiment's progress lines: "[3/8] loss 0.10, ...". */
    private static final Pattern STEP = Pattern.compile("^\\[(\\d+)/(\\d+)]");

    /** One timed sweep. */
    private record Sweep(double seconds, int runsInSweep) {
    }

    @Override
    public Duration planned() {
        return ASSUMED_SWEEP.multipliedBy(runs);
    }

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || runs > 20 || timeoutMinutes < 1 || timeoutMinutes > 600) {
            throw new ParameterException(spec.commandLine(), "--runs must be 1..20, --timeout 1..600");
        }
        Progress progress = new Progress(spec.commandLine().getErr(), runs, planned());
        double[] seconds = new double[runs];
        int inSweep = 0;
        for (int r = 0; r < runs; r++) {
            progress.step("part3 experiment " + (experimentArgs.isEmpty() ? "(defaults)" : String.join(" ", experimentArgs))
                    + " in a fresh JVM, sweep " + (r + 1) + " of " + runs);
            Sweep s = sweep(progress);
            seconds[r] = s.seconds();
            inSweep = s.runsInSweep();
        }
        progress.note("experiment bench done in " + Progress.clock(progress.elapsed()));
        PrintWriter out = spec.commandLine().getOut();
        out.println();
        out.printf(Locale.ROOT, "Wall time of part 3's experiment, each sweep in a fresh JVM (java -cp ... Part3 experiment%s), "
                + "from process start to exit; ./lab's own start-up (finding the JDK, checking the build) not included.%n%n",
                experimentArgs.isEmpty() ? "" : " " + String.join(" ", experimentArgs));
        out.println("| sweep | runs in the sweep | wall time, s (median, range) |");
        out.println("|---|---:|---:|");
        out.printf(Locale.ROOT, "| %s | %d | %s |%n", experimentArgs.isEmpty() ? "defaults" : "`" + String.join(" ", experimentArgs) + "`",
                inSweep, Stats.range(seconds, "%.1f"));
        out.flush();
        return 0;
    }

    private Sweep sweep(Progress progress) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.wirelab.part3.Part3", "experiment"));
        command.addAll(experimentArgs);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ArrayDeque<String> tail = new ArrayDeque<>();
        int inSweep = 0;
        // The output ends when the process does; a sweep that hangs is ended by the watchdog.
        AtomicBoolean timedOut = new AtomicBoolean();
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                    timedOut.set(true);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                // the output ended: the process is exiting by itself
            }
        });
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                Matcher m = STEP.matcher(line);
                if (m.find()) {
                    inSweep = Integer.parseInt(m.group(2));
                    progress.note("    " + line);
                }
                tail.addLast(line);
                if (tail.size() > 20) {
                    tail.removeFirst();
                }
            }
        } finally {
            watchdog.interrupt();
        }
        int rc = p.waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (timedOut.get()) {
            throw new IOException("part3 experiment did not finish within " + timeoutMinutes + " minutes; its last lines: "
                    + String.join(" | ", tail));
        }
        if (rc != 0) {
            throw new IOException("part3 experiment exited with " + rc + " after " + String.format(Locale.ROOT, "%.1f", seconds)
                    + " s; its last lines: " + String.join(" | ", tail));
        }
        return new Sweep(seconds, inSweep);
    }
}
