package dev.wirelab.bench;

import java.util.Arrays;
import java.util.Locale;

/** The few statistics the benches print: median and range over rounds, and how sure a median is. */
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

    /**
     * An interval that holds the true median of what the rounds sample with at least
     * {@code confidence}, whatever their distribution: between two order statistics of the sorted
     * values, chosen from the binomial distribution of how many rounds fall below the median (the
     * sign test's interval). It asks nothing of the noise on a shared machine (no normal
     * distribution, no equal variances), only that rounds are independent and alike. Five rounds
     * give the whole range at 93.75 %; fifteen the 4th to the 12th smallest value at 96.5 %.
     */
    record Interval(double low, double high, double confidence) {

        /** "low–high" in {@code format}. */
        String shown(String format) {
            return String.format(Locale.ROOT, format + "–" + format, low, high);
        }
    }

    /** {@link Interval} of the median, aiming at 95 % (or the best {@code values} allow). */
    static Interval medianInterval(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        if (n == 0) {
            throw new IllegalArgumentException("no values");
        }
        Bound b = bound(n);
        return new Interval(v[b.k()], v[n - 1 - b.k()], 1 - 2 * b.below());
    }

    /** The confidence {@link #medianInterval} reaches with {@code n} values, whatever they are. */
    static double medianConfidence(int n) {
        return 1 - 2 * bound(n).below();
    }

    /** The interval's order statistic k (0-based from each end) and P(B <= k). */
    private record Bound(int k, double below) {
    }

    private static Bound bound(int n) {
        // The true median lies below v[k] only if k or fewer rounds fell below it: P(B <= k) for
        // B ~ Binomial(n, 1/2), and the same above v[n-1-k]. The largest k with that chance at most
        // 2.5 % on each side; k = 0 (the whole range) when even that is more, as for five rounds.
        double p = Math.pow(0.5, n);
        double below = p; // P(B <= k)
        int k = 0;
        for (int j = 1; j < n / 2; j++) {
            double next = below + binomial(n, j) * p;
            if (next > 0.025) {
                break;
            }
            below = next;
            k = j;
        }
        return new Bound(k, below);
    }

    private static double binomial(int n, int j) {
        double c = 1;
        for (int i = 1; i <= j; i++) {
            c = c * (n - j + i) / i;
        }
        return c;
    }

    /** A number of seconds as typed: 3, not 3.0. */
    static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
