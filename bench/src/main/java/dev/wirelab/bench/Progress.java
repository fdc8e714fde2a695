package dev.wirelab.bench;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress lines on stderr, so a bench that runs for minutes says what it is doing and how far it
 * is, while stdout keeps only the tables (./lab bench all > results.md stays clean).
 */
final class Progress {

    private final PrintWriter err;
    private final int total;
    private final long started = System.nanoTime();
    private final Duration planned;
    private int step;

    /** {@code total} steps, expected to take about {@code planned} in all. */
    Progress(PrintWriter err, int total, Duration planned) {
        this.err = err;
        this.total = Math.max(1, total);
        this.planned = planned;
    }

    /** Announces the next step: "[3/20, 0:12 of about 1:40] what...". */
    void step(String what) {
        step = Math.min(step + 1, total);
        err.printf(Locale.ROOT, "[%d/%d, %s of about %s] %s...%n", step, total, clock(elapsed()), clock(planned), what);
        err.flush();
    }

    /** A line that is not a step of its own (a note, the start of a phase). */
    void note(String line) {
        err.println(line);
        err.flush();
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** m:ss, or h:mm:ss from an hour on. */
    static String clock(Duration d) {
        long s = Math.max(0, Math.round(d.toMillis() / 1000.0));
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }
}
