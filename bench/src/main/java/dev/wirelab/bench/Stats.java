package dev.wirelab.bench;

import java.util.Arrays;
import java.util.Locale;

/** The few statistics the benches print: median and range over rounds. */
final class Stats {

    private Stats() {
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElseThrow();
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElseThrow();
    }

    /** "median (min–max)", each in {@code format}. */
    static String range(double[] v, String format) {
        return String.format(Locale.ROOT, format + " (" + format + "–" + format + ")", median(v), min(v), max(v));
    }

    /** A number of seconds as typed: 3, not 3.0. */
    static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
