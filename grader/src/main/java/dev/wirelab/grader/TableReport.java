package dev.wirelab.grader;

import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The terminal report: one row per scenario as it finishes, then what went wrong, then the score. */
public final class TableReport implements Grading.Progress {

    /** Lines of the student's stderr shown under a failure; the JSON report has all it kept. */
    static final int STDERR_LINES = 8;

    private final PrintWriter out;
    private final int nameWidth;
    /** On a terminal, a last line says which scenarios are running, rewritten as they change. */
    private final boolean live;
    private final Set<String> running = new LinkedHashSet<>();
    private boolean statusShown;

    public TableReport(PrintWriter out, List<? extends Scenario> scenarios) {
        this(out, scenarios, isTerminal());
    }

    TableReport(PrintWriter out, List<? extends Scenario> scenarios, boolean live) {
        this.out = out;
        this.live = live;
        this.nameWidth = Math.max(8, scenarios.stream().mapToInt(s -> s.name().length()).max().orElse(8));
    }

    @Override
    public synchronized void started(Scenario s) {
        running.add(s.name());
        status();
    }

    @Override
    public synchronized void finished(Result r) {
        running.remove(r.name());
        status();
    }

    private void status() {
        if (!live) {
            return;
        }
        out.print("\r\033[K");
        statusShown = !running.isEmpty();
        if (statusShown) {
            out.print("  running: " + String.join(", ", running) + " ...");
        }
        out.flush();
    }

    private void clearStatus() {
        if (live && statusShown) {
            out.print("\r\033[K");
            statusShown = false;
        }
    }

    /** True when stdout is a terminal (JDK 22+ has a Console for redirected streams too, and says so with isTerminal). */
    private static boolean isTerminal() {
        java.io.Console c = System.console();
        if (c == null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (NoSuchMethodException e) {
            return true; // JDK 21: a console exists only for a terminal
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    public void header(String title, List<String> lines) {
        out.println(title);
        for (String l : lines) {
            out.println(l);
        }
        out.println();
        out.println(String.format("  %-" + nameWidth + "s  %-6s  %8s  %6s", "scenario", "result", "time", "limit"));
        out.flush();
    }

    public synchronized void row(Result r) {
        clearStatus();
        out.println(String.format("  %-" + nameWidth + "s  %-6s  %8s  %6s", r.name(), r.passed() ? "PASS" : "FAIL",
                Durations.elapsed(r.elapsed()), Durations.limit(r.limit())));
        status();
        out.flush();
    }

    /** Each failure: the scenario, the sentence, the ladder, the program's last words; then notes. */
    public synchronized void details(Run run) {
        clearStatus();
        for (Result r : run.results()) {
            if (r.passed()) {
                continue;
            }
            out.println();
            out.println("FAIL " + r.name() + ": " + r.description());
            out.println("  " + r.problem());
            if (!r.ladder().isEmpty()) {
                out.println("  last events before it:");
                for (String l : r.ladder()) {
                    out.println("  " + l);
                }
            }
            if (r.program() != null && !r.program().stderr().isEmpty()) {
                List<String> err = r.program().stderr();
                out.println("  your program's stderr" + (err.size() > STDERR_LINES ? " (last " + STDERR_LINES + " lines)" : "") + ":");
                for (String l : err.subList(Math.max(0, err.size() - STDERR_LINES), err.size())) {
                    out.println("    | " + l);
                }
            }
        }
        boolean header = false;
        for (Result r : run.results()) {
            for (String n : r.notes()) {
                if (!header) {
                    out.println();
                    out.println("Notes (not graded):");
                    header = true;
                }
                out.println("  " + r.name() + ": " + n);
            }
        }
        out.println();
        out.println(run.tally() + " (score " + run.score() + "/"
                + run.maxScore() + ")" + (run.allPassed() ? "." : "; re-run one with --only NAME."));
        out.flush();
    }
}
