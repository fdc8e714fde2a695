package dev.wirelab.part2;

import java.io.IOException;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;

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

    /** Where the faults applied are counted. */
    record Counters(LongAdder delayed, LongAdder lost, LongAdder corrupted, LongAdder duplicated, LongAdder resets) {
        Counters() {
            this(new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder());
        }
    }

    /**
     * Sends {@code reply} through {@code channel} as decided: held back, replaced or dropped,
     * one byte flipped, sent twice, or the connection reset instead. One log line per fault.
     *
     * @param what names the reply in the log, e.g. {@code #3 127.0.0.1:5000 reply to line 2}; only
     *             called when logging, so a queued reply does not carry a label nobody reads
     * @param log  where fault lines go; null when not logging
     */
    void apply(Decision d, byte[] reply, byte[] lossReplacement, Supplier<String> what, long arrival, ReplySink channel,
               Counters counters, Consumer<String> log) throws IOException {
        long due = arrival + d.delayNanos();
        Runnable sent = null;
        String name = log == null ? null : what.get();
        if (d.delayNanos() > 0) {
            counters.delayed().increment();
            if (log != null) {
                sent = () -> log.accept(name + ": sent " + String.format(Locale.ROOT, "%.3f",
                        (System.nanoTime() - arrival) / 1e9) + " s after its request arrived");
                log.accept(name + ": delay, leaves " + String.format(Locale.ROOT, "%.3f", d.delayNanos() / 1e9)
                        + " s after its request arrived");
            }
        }
        if (d.reset()) {
            counters.resets().increment();
            if (log != null) {
                log.accept(name + ": reset, the connection is aborted with a TCP RST instead");
            }
            channel.reset(due);
            return;
        }
        if (d.lost()) {
            counters.lost().increment();
            if (config.lossMode() == LossMode.REPLACE) {
                if (log != null) {
                    log.accept(name + ": loss, replaced by \"Packet Loss\"");
                }
                channel.send(lossReplacement, 0, lossReplacement.length, 1, due, sent);
            } else if (log != null) {
                log.accept(name + ": loss, dropped");
            }
            return;
        }
        byte[] out = reply;
        if (d.flipIndex() >= 0) {
            counters.corrupted().increment();
            out = flip(reply, d.flipIndex());
            if (log != null) {
                log.accept(name + ": corrupt, byte " + d.flipIndex() + " flipped "
                        + String.format("0x%02x -> 0x%02x", reply[d.flipIndex()] & 0xFF, out[d.flipIndex()] & 0xFF));
            }
        }
        if (d.duplicate()) {
            counters.duplicated().increment();
            if (log != null) {
                log.accept(name + ": duplicate, sent twice");
            }
        }
        channel.send(out, 0, out.length, d.duplicate() ? 2 : 1, due, sent);
    }
}
