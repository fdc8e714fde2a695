package dev.wirelab.part2;

import java.util.SplittableRandom;

/**
 * Decides which faults hit one reply. One per connection (or proxy direction), fed from a seeded
 * random source, so a run with the same seed and the same traffic applies the same faults. Not
 * thread-safe: only the connection's reader calls it.
 */
final class FaultInjector {

    /** What happens to one reply. {@code flipIndex} is -1 when nothing is corrupted. */
    record Decision(long delayNanos, boolean reset, boolean lost, int flipIndex, boolean duplicate) {
        static final Decision CLEAN = new Decision(0, false, false, -1, false);

        boolean clean() {
            return this == CLEAN || (delayNanos == 0 && !reset && !lost && flipIndex < 0 && !duplicate);
        }
    }

    private final FaultConfig config;
    private final SplittableRandom random;
    private final long delayNanos;
    private final long jitterNanos;

    FaultInjector(FaultConfig config, SplittableRandom random) {
        this.config = config;
        this.random = random;
        this.delayNanos = config.delay().toNanos();
        this.jitterNanos = config.jitter().toNanos();
    }

    FaultConfig config() {
        return config;
    }

    /**
     * @param corruptible how many leading bytes of the reply may be flipped (a line's text without
     *                    its newline; a whole frame); 0 means the reply cannot be corrupted
     */
    Decision decide(int corruptible) {
        if (config.isNone()) {
            return Decision.CLEAN;
        }
        // Always draw in the same order, so one seed gives one sequence of faults.
        long delay = delayNanos + (jitterNanos > 0 ? random.nextLong(jitterNanos + 1) : 0);
        boolean reset = hit(config.reset());
        boolean lost = !reset && hit(config.loss());
        int flip = -1;
        if (!reset && !lost && hit(config.corrupt()) && corruptible > 0) {
            flip = random.nextInt(corruptible);
        }
        boolean duplicate = !reset && !lost && hit(config.duplicate());
        return new Decision(delay, reset, lost, flip, duplicate);
    }

    private boolean hit(double p) {
        return p > 0 && (p >= 1.0 || random.nextDouble() < p);
    }

    /** The report's corruption: every bit of one byte inverted. Returns a copy. */
    static byte[] flip(byte[] reply, int index) {
        byte[] out = reply.clone();
        out[index] ^= (byte) 0xFF;
        return out;
    }
}
