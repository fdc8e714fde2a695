package dev.wirelab.grader;

import java.time.Duration;
import java.util.Locale;

/** Times as the grader prints them. */
public final class Durations {

    private Durations() {
    }

    /** A time limit: {@code 10 s}, {@code 2.5 s}. */
    public static String limit(Duration d) {
        double s = d.toMillis() / 1000.0;
        return (s == Math.rint(s) ? String.format(Locale.ROOT, "%.0f", s) : String.format(Locale.ROOT, "%.1f", s)) + " s";
    }

    /** An elapsed time: {@code 0.41 s}, {@code 12.3 s}. */
    public static String elapsed(Duration d) {
        double s = d.toNanos() / 1e9;
        return String.format(Locale.ROOT, s < 10 ? "%.2f s" : "%.1f s", s);
    }

    /** Milliseconds for details: {@code 503 ms}, {@code 0.42 ms}. */
    public static String millis(long nanos) {
        double ms = nanos / 1e6;
        return String.format(Locale.ROOT, ms < 10 ? "%.2f ms" : "%.0f ms", ms);
    }

    /** Seconds with three decimals: {@code 0.503 s}. */
    public static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3f s", nanos / 1e9);
    }
}
