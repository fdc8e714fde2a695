package dev.wirelab.grader;

import dev.wirelab.common.Cli;
import dev.wirelab.common.UserError;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Option;

/** The options both {@code grade part2} and {@code grade part3} take, and what they do. */
public final class GradeOptions {

    @Option(names = "--only", paramLabel = "NAME", split = ",",
            description = "Run only these scenarios (repeat, or separate with commas).")
    List<String> only = new ArrayList<>();

    @Option(names = "--list", description = "List the scenarios with their time limits, and run nothing.")
    boolean list;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the messages and of the random fault mix; the same seed gives the same run (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Write every result, with all that was kept, as JSON.")
    Path json;

    @Option(names = "--gradescope", paramLabel = "FILE", description = "Write Gradescope's results.json.")
    Path gradescope;

    @Option(names = "--junit", paramLabel = "FILE", description = "Write JUnit XML, for CI systems.")
    Path junit;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "2",
            description = "Scenarios run at once; the ones that measure time always run alone (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--time-scale", paramLabel = "X", defaultValue = "1.0",
            description = "Multiply every time limit by X, e.g. 2 on a slow machine; below 1 a correct program can fail"
                    + " (default: ${DEFAULT-VALUE}).")
    double timeScale;

    /**
     * Said under the header of a run with {@code --time-scale} below 1: it shortens the limits but
     * not what a scenario makes a client wait (a held reply, a burst's timeouts), so a FAIL there
     * need not be the program's fault.
     */
    static final String SHORTER_LIMITS = "note: --time-scale below 1 shortens the limits, not the faults' own delays and the"
            + " waits they cause, so a correct program can fail; grade with 1 or more";

    /** The scenarios {@code --only} picked, in their own order; all without it. */
    public <S extends Scenario> List<S> select(List<S> all) {
        if (jobs < 1 || jobs > 32) {
            throw new UserError("--jobs must be 1..32, got " + jobs, Cli.USAGE);
        }
        if (!(timeScale >= 0.1 && timeScale <= 20)) {
            throw new UserError("--time-scale must be 0.1..20, got " + timeScale, Cli.USAGE);
        }
        if (only.isEmpty()) {
            return all;
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (String o : only) {
            String n = o.strip().toLowerCase(Locale.ROOT);
            if (all.stream().noneMatch(s -> s.name().equals(n))) {
                throw new UserError("unknown scenario '" + o.strip() + "'; the scenarios are: "
                        + String.join(", ", all.stream().map(Scenario::name).toList()), Cli.USAGE);
            }
            wanted.add(n);
        }
        return all.stream().filter(s -> wanted.contains(s.name())).toList();
    }

    public boolean listOnly() {
        return list;
    }

    public long seed() {
        return seed;
    }

    /** Prints the {@code --list} table. */
    public static void list(PrintWriter out, List<? extends Scenario> scenarios, double timeScale) {
        int w = scenarios.stream().mapToInt(s -> s.name().length()).max().orElse(8);
        for (Scenario s : scenarios) {
            out.println(String.format("  %-" + w + "s  %6s  %s", s.name(), Durations.limit(Grading.scaled(s.limit(), timeScale)),
                    s.description()));
        }
        out.flush();
    }

    /**
     * What both grade commands do: {@code --list}, or check the student's command and grade it.
     *
     * @param option  the option that carries the command, e.g. {@code --client}
     * @param example a command for the usage error when it is missing
     * @param runner  makes the scenario runner for the checked command
     */
    public <S extends Scenario> int listOrGrade(PrintWriter out, String part, String option, String command, String example,
                                                List<S> all, Set<String> known, Set<String> required,
                                                java.util.function.Function<CommandTemplate, Grading.Runner<S>> runner)
            throws InterruptedException {
        List<S> scenarios = select(all);
        if (list) {
            list(out, scenarios, timeScale);
            return Cli.OK;
        }
        if (command == null) {
            throw new UserError("missing " + option + " CMD, e.g. " + option + " '" + example + "'", Cli.USAGE);
        }
        CommandTemplate cmd = CommandTemplate.parse(option, command, known, required);
        return grade(out, part, option.substring(2), cmd, scenarios, runner.apply(cmd));
    }

    /**
     * Runs the scenarios, printing the table as it goes, writes the report files, and returns the
     * exit code: 0 iff every scenario passed.
     */
    public <S extends Scenario> int grade(PrintWriter out, String part, String who, CommandTemplate command, List<S> scenarios,
                                          Grading.Runner<S> runner) throws InterruptedException {
        TableReport table = new TableReport(out, scenarios);
        table.header("wirelab grade " + part + ": " + scenarios.size() + " scenario" + (scenarios.size() == 1 ? "" : "s")
                        + ", seed " + seed + (timeScale == 1.0 ? "" : ", time limits x" + timeScale),
                timeScale >= 1.0 ? List.of(who + ": " + command.template())
                        : List.of(who + ": " + command.template(), SHORTER_LIMITS));
        long start = System.nanoTime();
        List<Result> results = Grading.run(scenarios, runner, jobs, timeScale, table, table::row);
        Run run = new Run(part, command.template(), seed, timeScale, results, java.time.Duration.ofNanos(System.nanoTime() - start));
        table.details(run);
        if (json != null) {
            ReportFiles.writeJson(json, ReportFiles.json(run));
        }
        if (gradescope != null) {
            ReportFiles.writeJson(gradescope, ReportFiles.gradescope(run));
        }
        if (junit != null) {
            ReportFiles.writeJunit(junit, run);
        }
        return run.allPassed() ? Cli.OK : Cli.FAILED;
    }
}
