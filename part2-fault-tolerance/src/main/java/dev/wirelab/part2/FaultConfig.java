package dev.wirelab.part2;

import java.time.Duration;
import java.util.Objects;

/**
 * Which faults to inject, each as a probability per reply (0.0 never .. 1.0 always). Delay and
 * jitter behave like network latency: a reply leaves {@code delay + uniform(0, jitter)} after its
 * request arrived.
 */
public record FaultConfig(Duration delay, Duration jitter, double loss, LossMode lossMode,
                          double corrupt, double duplicate, double reset) {

    public FaultConfig {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(jitter, "jitter");
        Objects.requireNonNull(lossMode, "lossMode");
        if (delay.isNegative() || jitter.isNegative()) {
            throw new IllegalArgumentException("delay and jitter must not be negative");
        }
        checkRate("loss", loss);
        checkRate("corrupt", corrupt);
        checkRate("duplicate", duplicate);
        checkRate("reset", reset);
    }

    /** A plain echo: no fault at all. */
    public static FaultConfig none() {
        return new FaultConfig(Duration.ZERO, Duration.ZERO, 0, LossMode.REPLACE, 0, 0, 0);
    }

    public FaultConfig withDelay(Duration d) {
        return new FaultConfig(d, jitter, loss, lossMode, corrupt, duplicate, reset);
    }

    public FaultConfig withJitter(Duration d) {
        return new FaultConfig(delay, d, loss, lossMode, corrupt, duplicate, reset);
    }

    public FaultConfig withLoss(double p) {
        return new FaultConfig(delay, jitter, p, lossMode, corrupt, duplicate, reset);
    }

    public FaultConfig withLossMode(LossMode m) {
        return new FaultConfig(delay, jitter, loss, m, corrupt, duplicate, reset);
    }

    public FaultConfig withCorrupt(double p) {
        return new FaultConfig(delay, jitter, loss, lossMode, p, duplicate, reset);
    }

    public FaultConfig withDuplicate(double p) {
        return new FaultConfig(delay, jitter, loss, lossMode, corrupt, p, reset);
    }

    public FaultConfig withReset(double p) {
        return new FaultConfig(delay, jitter, loss, lossMode, corrupt, duplicate, p);
    }

    /** True when some reply may be held back, so replies go through a per-connection delay queue. */
    public boolean delays() {
        return !delay.isZero() || !jitter.isZero();
    }

    /** True when no fault can ever apply. */
    public boolean isNone() {
        return !delays() && loss == 0 && corrupt == 0 && duplicate == 0 && reset == 0;
    }

    /** One line for logs and banners, e.g. {@code delay=1.000s loss=0.25(replace)}; "none" without faults. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        if (!delay.isZero()) {
            b.append(" delay=").append(seconds(delay)).append('s');
        }
        if (!jitter.isZero()) {
            b.append(" jitter=").append(seconds(jitter)).append('s');
        }
        if (loss > 0) {
            b.append(" loss=").append(loss).append('(').append(lossMode.name().toLowerCase()).append(')');
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
        return b.isEmpty() ? "none" : b.substring(1);
    }

    static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.3f", d.toNanos() / 1e9);
    }

    private static void checkRate(String name, double p) {
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException(name + " must be a probability between 0.0 and 1.0, got " + p);
        }
    }
}
