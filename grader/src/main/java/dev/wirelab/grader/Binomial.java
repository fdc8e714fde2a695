package dev.wirelab.grader;

/**
 * Bounds for a count of random events: with {@code n} independent tries of probability
 * {@code p}, the count falls outside {@code [low, high]} with probability at most {@code alpha}
 * (half below, half above). A correct program fails such a check once in 1/alpha runs.
 */
public record Binomial(int n, double p, double alpha, int low, int high) {

    public static Binomial bounds(int n, double p, double alpha) {
        if (n < 1 || !(p >= 0 && p <= 1) || !(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("need n >= 1, 0 <= p <= 1, 0 < alpha < 1");
        }
        double[] pmf = pmf(n, p);
        int low = 0;
        double below = 0;
        // The largest low with P(X < low) <= alpha/2.
        while (low < n && below + pmf[low] <= alpha / 2) {
            below += pmf[low++];
        }
        int high = n;
        double above = 0;
        while (high > 0 && above + pmf[high] <= alpha / 2) {
            above += pmf[high--];
        }
        return new Binomial(n, p, alpha, low, high);
    }

    public boolean contains(int k) {
        return k >= low && k <= high;
    }

    /** P(X = k) for k = 0..n, computed in logarithms so that n in the thousands does not underflow. */
    static double[] pmf(int n, double p) {
        double[] out = new double[n + 1];
        if (p == 0 || p == 1) {
            out[p == 0 ? 0 : n] = 1;
            return out;
        }
        double lp = Math.log(p);
        double lq = Math.log1p(-p);
        double logChoose = 0; // log C(n, 0)
        for (int k = 0; k <= n; k++) {
            if (k > 0) {
                logChoose += Math.log((double) (n - k + 1) / k);
            }
            out[k] = Math.exp(logChoose + k * lp + (n - k) * lq);
        }
        return out;
    }
}
