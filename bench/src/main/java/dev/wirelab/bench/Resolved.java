package dev.wirelab.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which differences between two servers a bench's paired rounds resolve: per cell, the median of
 * the per-round ratios and {@link Stats#medianInterval its interval}, called ahead or behind (CPU
 * lower or higher) only when the whole interval, as printed, is on one side of 1.00×. A median
 * under 1.00× from rounds that range over ±20 % says nothing by itself (issue 15).
 */
final class Resolved {

    /** Below this confidence (four rounds or fewer) nothing is called. */
    static final double FIRM = 0.9;

    private static final String[] RATE_CALLS = {"ahead", "level", "behind"};
    private static final String[] CPU_CALLS = {"higher", "level", "lower"};

    private final int rounds;
    private final double confidence;
    private final List<String> rows = new ArrayList<>();
    private final int[] rateCalls = new int[3];
    private final int[] cpuCalls = new int[3];

    Resolved(int rounds) {
        this.rounds = rounds;
        this.confidence = Stats.medianConfidence(rounds);
    }

    /**
     * 0 when the whole interval is above 1.00×, 2 when it is below, 1 when it holds 1.00×; on the
     * values as the table prints them (two decimals), so "1.00×–1.12×" is never called ahead.
     */
    static int call(Stats.Interval i) {
        double low = Math.round(i.low() * 100) / 100.0;
        double high = Math.round(i.high() * 100) / 100.0;
        return low > 1.0 ? 0 : high < 1.0 ? 2 : 1;
    }

    /** One cell: part 2 over the reference per round, for round trips/s and for CPU per echo. */
    void add(String generator, int connections, double[] rateRatios, double[] cpuRatios) {
        Stats.Interval rate = Stats.medianInterval(rateRatios);
        Stats.Interval cpu = Stats.medianInterval(cpuRatios);
        String rateCall = "—";
        String cpuCall = "—";
        if (confidence >= FIRM) {
            int r = call(rate);
            int c = call(cpu);
            rateCalls[r]++;
            cpuCalls[c]++;
            rateCall = RATE_CALLS[r];
            cpuCall = CPU_CALLS[c];
        }
        rows.add(String.format(Locale.ROOT, "| %s | %d | %.2f× | %s | %s | %.2f× | %s | %s |", generator, connections,
                Stats.median(rateRatios), rate.shown("%.2f×"), rateCall, Stats.median(cpuRatios), cpu.shown("%.2f×"), cpuCall));
    }

    void print(PrintWriter out, String reference) {
        out.printf(Locale.ROOT, "Which differences the rounds resolve: part 2 over %s per round (in each round the two ran back to "
                        + "back, in alternating order), the median, and an interval that holds the true median with %.1f %% "
                        + "confidence whatever the noise's distribution (the sign test's, from %d rounds); ahead, behind, lower or "
                        + "higher only when the whole interval is on that side of 1.00×, level otherwise%s.%n%n",
                reference, 100 * confidence, rounds,
                confidence < FIRM ? "; with so few rounds nothing is called (run 5 or more)" : "");
        out.println("| generator | connections | round trips ÷ " + reference + "'s | interval | round trips | CPU per echo ÷ "
                + reference + "'s | interval | CPU |");
        out.println("|---|---:|---:|---:|---|---:|---:|---|");
        rows.forEach(out::println);
        out.println();
        if (confidence < FIRM) {
            out.println("Resolved by these rounds: nothing (too few rounds for a firm call).");
        } else {
            out.printf(Locale.ROOT, "Resolved by these rounds: round trips ahead in %d cell(s), level in %d, behind in %d; server CPU "
                            + "per echo lower in %d, level in %d, higher in %d.%n",
                    rateCalls[0], rateCalls[1], rateCalls[2], cpuCalls[2], cpuCalls[1], cpuCalls[0]);
        }
    }
}
