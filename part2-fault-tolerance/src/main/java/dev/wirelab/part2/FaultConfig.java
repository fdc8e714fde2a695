package dev.wirelab.part2;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Which faults to inject at random, each as a probability per reply (0.0 never .. 1.0 always),
 * reproducibly from a seed. Delay and jitter behave like network latency: a reply leaves
 * {@code delay + X} after its request arrived, X drawn from {@code delayDist} with scale
 * {@code jitter}.
 *
 * @param delay     latency added to every reply
 * @param jitter    extra latency: uniform in [0, jitter], normal with this standard deviation
 *                  (never below zero), or Pareto with this mean
 * @param delayDist how the jitter is distributed
 * @param loss      long-run probability that a request is lost
 * @param burst     mean length of a burst of losses (Gilbert-Elliott), 0 for independent losses
 * @param lossMode  what a lost request gets: Packet Loss / ERROR, or nothing
 * @param corrupt   probability that one byte of the reply is flipped
 * @param duplicate probability that the reply is sent twice
 * @param reset     probability that the connection is reset instead of the reply
 * @param reorder   probability that the reply goes out after the next one
 * @param rate      bytes per second the replies of one connection may use, 0 for no limit
 * @param slice     replies are written in pieces of at most this many bytes, 0 for whole
 * @param stall     probability that a request makes the connection go silent for {@code stallFor}
 * @param stallFor  how long a stall lasts
 */
public record FaultConfig(Duration delay, Duration jitter, DelayDistribution delayDist, double loss, double burst,
                          LossMode lossMode, double corrupt, double duplicate, double reset, double reorder,
                          long rate, int slice, double stall, Duration stallFor) {

    /** How {@code --jitter} is distributed (netem's {@code distribution}). */
    public enum DelayDistribution { UNIFORM, NORMAL, PARETO }

    /** Longest delay, jitter or stall accepted: an hour. */
    public static final Duration MAX_TIME = Duration.ofHours(1);

    public FaultConfig {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(jitter, "jitter");
        Objects.requireNonNull(delayDist, "delayDist");
        Objects.requireNonNull(lossMode, "lossMode");
        Objects.requireNonNull(stallFor, "stallFor");
        checkTime("delay", delay);
        checkTime("jitter", jitter);
        checkTime("stall-for", stallFor);
        checkRate("loss", loss);
        checkRate("corrupt", corrupt);
        checkRate("duplicate", duplicate);
        checkRate("reset", reset);
        checkRate("reorder", reorder);
        checkRate("stall", stall);
        if (!(burst == 0 || (burst >= 1 && burst <= 1_000_000))) {
            throw new IllegalArgumentException("burst must be 0 (independent losses) or a mean burst length of at least 1, got " + burst);
        }
        if (burst > 0 && loss < 1 && loss > burst / (burst + 1)) {
            // p = P*r/(1-P) must stay a probability (r = 1/burst).
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "loss %.3f cannot come in bursts of mean length %s: at most %.3f (or a longer burst)", loss,
                    trim(burst), burst / (burst + 1)));
        }
        if (rate < 0) {
            throw new IllegalArgumentException("rate must be 0 (no limit) or bytes per second, got " + rate);
        }
        if (slice < 0) {
            throw new IllegalArgumentException("slice must be 0 (whole replies) or bytes, got " + slice);
        }
        if (stall > 0 && stallFor.isZero()) {
            throw new IllegalArgumentException("stall needs stall-for, how long the connection goes silent");
        }
    }

    /** The fault flags before burst, reorder, rate, slice and stall existed. */
    public FaultConfig(Duration delay, Duration jitter, double loss, LossMode lossMode,
                       double corrupt, double duplicate, double reset) {
        this(delay, jitter, DelayDistribution.UNIFORM, loss, 0, lossMode, corrupt, duplicate, reset, 0, 0, 0, 0, Duration.ZERO);
    }

    /** A plain echo: no fault at all. */
    public static FaultConfig none() {
        return new FaultConfig(Duration.ZERO, Duration.ZERO, 0, LossMode.REPLACE, 0, 0, 0);
    }

    public FaultConfig withDelay(Duration d) {
        return new FaultConfig(d, jitter, delayDist, loss, burst, lossMode, corrupt, duplicate, reset, reorder, rate, slice, stall, stallFor);
    }

    public FaultConfig withJitter(Duration d) {
        return new FaultConfig(delay, d, delayDist, loss, burst, lossMode, corrupt, duplicate, reset, reorder, rate, slice, stall, stallFor);
    }

    public FaultConfig withDelayDist(DelayDistribution dist) {
        return new FaultConfig(delay, jitter, dist, loss, burst, lossMode, corrupt, duplicate, reset, reorder, rate, slice, stall, stallFor);
    }

    public FaultConfig withLoss(double p) {
        return new FaultConfig(delay, jitter, delayDist, p, burst, lossMode, corrupt, duplicate, reset, reorder, rate, slice, stall, stallFor);
    }

    /** Losses in bursts of mean length {@code mean} (0: independent), at the same long-run rate. */
    public FaultConfig withBurst(double mean) {
        return new FaultConfig(delay, jitter, delayDist, loss, mean, lossMode, corrupt, duplicate, reset, reorder, rate, slice, stall, stallFor);
    }

    public FaultConfig withLossMode(LossMode m) {
        return new FaultConfig(delay, jitter, delayDist, loss, burst, m, corrupt, duplicate, reset, reorder, rate, slice, stall, stallFor);
    }

    public FaultConfig withCorrupt(double p) {
        return new FaultConfig(delay, jitter, delayDist, loss, burst, lossMode, p, duplicate, reset, reorder, rate, slice, stall, stallFor);
    }

    public FaultConfig withDuplicate(double p) {
        return new FaultConfig(delay, jitter, delayDist, loss, burst, lossMode, corrupt, p, reset, reorder, rate, slice, stall, stallFor);
    }

    public FaultConfig withReset(double p) {
        return new FaultConfig(delay, jitter, delayDist, loss, burst, lossMode, corrupt, duplicate, p, reorder, rate, slice, stall, stallFor);
    }

    public FaultConfig withReorder(double p) {
        return new FaultConfig(delay, jitter, delayDist, loss, burst, lossMode, corrupt, duplicate, reset, p, rate, slice, stall, stallFor);
    }

    public FaultConfig withRate(long bytesPerSecond) {
        return new FaultConfig(delay, jitter, delayDist, loss, burst, lossMode, corrupt, duplicate, reset, reorder, bytesPerSecond, slice, stall, stallFor);
    }

    public FaultConfig withSlice(int bytes) {
        return new FaultConfig(delay, jitter, delayDist, loss, burst, lossMode, corrupt, duplicate, reset, reorder, rate, bytes, stall, stallFor);
    }

    public FaultConfig withStall(double p, Duration d) {
        return new FaultConfig(delay, jitter, delayDist, loss, burst, lossMode, corrupt, duplicate, reset, reorder, rate, slice, p, d);
    }

    /**
     * The token bucket of {@link #rate}: it holds 10 ms of the rate or 1,500 bytes (one Ethernet
     * MTU), whichever is more, so a reply up to that size after a quiet moment leaves at once.
     */
    public long rateBurstBytes() {
        return Math.max(1_500, rate / 100);
    }

    /** True when some reply may be held back (delay, jitter, a rate limit, a stall). */
    public boolean delays() {
        return !delay.isZero() || !jitter.isZero() || rate > 0 || stall > 0;
    }

    /** True when no fault can ever apply. */
    public boolean isNone() {
        return !delays() && loss == 0 && corrupt == 0 && duplicate == 0 && reset == 0 && reorder == 0 && slice == 0;
    }

    /** One line for logs and banners, e.g. {@code delay=1.000s loss=0.25(replace)}; "none" without faults. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        if (!delay.isZero()) {
            b.append(" delay=").append(seconds(delay)).append('s');
        }
        if (!jitter.isZero()) {
            b.append(" jitter=").append(seconds(jitter)).append('s');
            if (delayDist != DelayDistribution.UNIFORM) {
                b.append('(').append(delayDist.name().toLowerCase(Locale.ROOT)).append(')');
            }
        }
        if (loss > 0) {
            b.append(" loss=").append(loss).append('(').append(lossMode.name().toLowerCase(Locale.ROOT)).append(')');
            if (burst > 0) {
                b.append(" burst=").append(trim(burst));
            }
        }
        if (corrupt > 0) {
            b.append(" corrupt=").append(corrupt);
        }
        if (duplicate > 0) {
            b.append(" duplicate=").append(duplicate);
        }
        if (reset > 0) {
            b.append(" reset=").append(reset);
        }
        if (reorder > 0) {
            b.append(" reorder=").append(reorder);
        }
        if (rate > 0) {
            b.append(" rate=").append(rate).append("B/s");
        }
        if (slice > 0) {
            b.append(" slice=").append(slice).append('B');
        }
        if (stall > 0) {
            b.append(" stall=").append(stall).append('(').append(seconds(stallFor)).append("s)");
        }
        return b.isEmpty() ? "none" : b.substring(1);
    }

    public static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toNanos() / 1e9);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static void checkRate(String name, double p) {
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException(name + " must be a probability between 0.0 and 1.0, got " + p);
        }
    }

    private static void checkTime(String name, Duration d) {
        if (d.isNegative() || d.compareTo(MAX_TIME) > 0) {
            throw new IllegalArgumentException(name + " must be between 0 and 3600 seconds, got " + seconds(d));
        }
    }
}
