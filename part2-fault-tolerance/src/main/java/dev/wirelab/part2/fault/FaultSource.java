package dev.wirelab.part2.fault;

import dev.wirelab.part2.Fault;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.FaultScript;
import dev.wirelab.part2.LossMode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Decides which {@link Fault}s hit one request and its reply, and applies them to a
 * {@link ReplySink}: the one place the echo server and the proxy share. One per connection (or
 * proxy direction), fed by seeded random rates ({@link FaultConfig}) and, if there is one, a
 * {@link FaultScript} whose rules win for the events they name. The random draws are made in the
 * same order whatever the script says, so one seed gives one sequence of random faults. Not
 * thread-safe: only the connection's reader calls it (the script's runner is shared and is).
 */
public final class FaultSource {

    /** A fault and where it came from: the script line of its rule, or 0 for the random rates. */
    public record Applied(Fault fault, int rule) {
    }

    /**
     * What happens to one request and its reply.
     *
     * @param flipIndex the reply byte to flip, -1 for none
     * @param faults    what was decided, for logs, counters and observers
     */
    public record Decision(long delayNanos, boolean drop, boolean error, boolean ackDrop, int flipIndex, boolean duplicate,
                    boolean reset, long stallNanos, boolean reorder, List<Applied> faults) {
        public static final Decision CLEAN = new Decision(0, false, false, false, -1, false, false, 0, false, List.of());

        /** False when the request is lost: not delivered to the application. */
        public boolean delivered() {
            return !drop && !error;
        }

        public boolean clean() {
            return faults.isEmpty();
        }
    }

    private final java.util.function.Supplier<FaultConfig> configs;
    private final SplittableRandom random;
    private final FaultScript.Runner script;
    /** The config of the request being decided (the current one, read once per request). */
    private FaultConfig config;
    /** Gilbert-Elliott: whether the loss process is in its bad state (every request lost). */
    private boolean bad;
    /** The token bucket of the rate limit, as GCRA's theoretical arrival time (System.nanoTime). */
    private long tat = Long.MIN_VALUE;

    public FaultSource(FaultConfig config, SplittableRandom random, FaultScript.Runner script) {
        this(() -> config, random, script);
    }

    /** @param configs the settings now; read once per request, so a live change applies to the next one */
    public FaultSource(java.util.function.Supplier<FaultConfig> configs, SplittableRandom random, FaultScript.Runner script) {
        this.configs = configs;
        this.config = configs.get();
        this.random = random;
        this.script = script == null || script.isEmpty() ? null : script;
    }

    /** True when nothing can ever be decided: the caller may skip {@link #decide} altogether. */
    public boolean none() {
        config = configs.get();
        return config.isNone() && script == null;
    }

    /** True when replies are shaped (rate limit, slices) even without a fault: they go through {@link #apply}. */
    public boolean shapes() {
        return config.rate() > 0 || config.slice() > 0;
    }

    /** The settings the last {@link #none()} or {@link #decide} read. */
    public FaultConfig config() {
        return config;
    }

    public boolean scripted() {
        return script != null;
    }

    public FaultScript.Runner script() {
        return script;
    }

    /**
     * @param request     the request, for the script (may be null without one)
     * @param corruptible how many leading bytes of the reply a random corruption may flip (a
     *                    line's text without its newline; a whole frame); 0: none
     * @param replyLength the reply's whole length, which a script's {@code corrupt byte K} may reach
     */
    public Decision decide(FaultScript.Request request, int corruptible, int replyLength) {
        config = configs.get();
        Decision random = config.isNone() ? Decision.CLEAN : random(corruptible);
        if (script == null || request == null) {
            return random;
        }
        List<FaultScript.Rule> rules = script.fire(request);
        if (rules.isEmpty()) {
            return random;
        }
        long delay = 0;
        long stall = 0;
        boolean drop = false;
        boolean error = false;
        boolean ackDrop = false;
        boolean duplicate = false;
        boolean reset = false;
        boolean reorder = false;
        int flip = -1;
        List<Applied> applied = new ArrayList<>(rules.size());
        for (FaultScript.Rule r : rules) {
            Fault f = r.action();
            switch (f) {
                case Fault.Drop d -> drop = true;
                case Fault.Error e -> error = true;
                case Fault.AckDrop a -> ackDrop = true;
                case Fault.Duplicate d -> duplicate = true;
                case Fault.Reset x -> reset = true;
                case Fault.Reorder o -> reorder = true;
                case Fault.Delay d -> delay += d.duration().toNanos();
                case Fault.Stall s -> stall += s.duration().toNanos();
                case Fault.Throttle t -> {
                    continue; // decided when the reply is sent, not by a rule
                }
                case Fault.Slice t -> {
                    continue;
                }
                case Fault.Corrupt c -> {
                    if (c.index() >= 0 && c.index() < replyLength) {
                        flip = c.index();
                    } else if (c.index() < 0 && corruptible > 0) {
                        flip = this.random.nextInt(corruptible);
                        f = new Fault.Corrupt(flip);
                    } else {
                        continue; // past the reply's end: nothing to flip, nothing applied
                    }
                }
            }
            applied.add(new Applied(f, r.line()));
        }
        return new Decision(delay, drop, error, ackDrop, flip, duplicate, reset, stall, reorder, List.copyOf(applied));
    }

    private Decision random(int corruptible) {
        // Always draw in the same order, so one seed gives one sequence of faults; a rate of 0
        // draws nothing, so adding a fault kind leaves the others' sequences as they were.
        long delay = config.delay().toNanos() + jitter(config.jitter().toNanos());
        boolean reset = hit(config.reset());
        boolean lost = lost(reset);
        int flip = -1;
        if (!reset && !lost && hit(config.corrupt()) && corruptible > 0) {
            flip = random.nextInt(corruptible);
        }
        boolean duplicate = !reset && !lost && hit(config.duplicate());
        boolean reorder = !reset && !lost && hit(config.reorder());
        long stall = hit(config.stall()) ? config.stallFor().toNanos() : 0;
        if (delay == 0 && !reset && !lost && flip < 0 && !duplicate && !reorder && stall == 0) {
            return Decision.CLEAN;
        }
        List<Applied> applied = new ArrayList<>(2);
        if (delay > 0) {
            applied.add(new Applied(new Fault.Delay(java.time.Duration.ofNanos(delay)), 0));
        }
        boolean drop = lost && config.lossMode() == LossMode.DROP;
        boolean error = lost && !drop;
        if (reset) {
            applied.add(new Applied(new Fault.Reset(), 0));
        }
        if (drop) {
            applied.add(new Applied(new Fault.Drop(), 0));
        }
        if (error) {
            applied.add(new Applied(new Fault.Error(), 0));
        }
        if (flip >= 0) {
            applied.add(new Applied(new Fault.Corrupt(flip), 0));
        }
        if (duplicate) {
            applied.add(new Applied(new Fault.Duplicate(), 0));
        }
        if (reorder) {
            applied.add(new Applied(new Fault.Reorder(), 0));
        }
        if (stall > 0) {
            applied.add(new Applied(new Fault.Stall(config.stallFor()), 0));
        }
        return new Decision(delay, drop, error, false, flip, duplicate, reset, stall, reorder, applied);
    }

    /**
     * Whether this request is lost. Without a burst length, independently with probability P.
     * With one, from a two-state Gilbert-Elliott chain: in the bad state every request is lost,
     * in the good state none; it leaves the bad state with r = 1/MEAN (so bursts last MEAN on
     * average) and enters it with p = P*r/(1-P), so the long-run share of losses is still P.
     */
    private boolean lost(boolean reset) {
        double p = config.loss();
        if (config.burst() == 0 || p == 0 || p >= 1) {
            return !reset && hit(p);
        }
        double r = 1 / config.burst();
        double enter = p * r / (1 - p);
        bad = bad ? random.nextDouble() >= r : random.nextDouble() < enter;
        return bad && !reset;
    }

    private long jitter(long scale) {
        if (scale == 0) {
            return 0;
        }
        long max = FaultConfig.MAX_TIME.toNanos();
        return switch (config.delayDist()) {
            case UNIFORM -> random.nextLong(scale + 1);
            // Never below zero: a reply cannot leave before its request arrived.
            case NORMAL -> Math.max(0, Math.round(Math.abs(random.nextGaussian()) * scale));
            // Shape 3, scaled to mean `scale`: most replies a little late, a few very late.
            case PARETO -> Math.min(max, Math.round(2.0 * scale * (Math.pow(1 - random.nextDouble(), -1.0 / 3) - 1)));
        };
    }

    /** The moment a reply of {@code bytes} due at {@code due} may leave under the rate limit (GCRA). */
    private long admit(long due, long bytes) {
        long rate = config.rate();
        if (rate <= 0) {
            return due;
        }
        double nanosPerByte = 1e9 / rate;
        long tolerance = Math.round(config.rateBurstBytes() * nanosPerByte);
        long start = tat == Long.MIN_VALUE || tat - due < 0 ? due : tat;
        long leave = start - tolerance - due > 0 ? start - tolerance : due;
        tat = start + Math.round(bytes * nanosPerByte);
        return leave;
    }

    private boolean hit(double p) {
        return p > 0 && (p >= 1.0 || random.nextDouble() < p);
    }

    /** The report's corruption: every bit of one byte inverted. Returns a copy. */
    public static byte[] flip(byte[] reply, int index) {
        byte[] out = reply.clone();
        out[index] ^= (byte) 0xFF;
        return out;
    }

    /** Told of each fault applied, and of each reply once it was handed to the socket. */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        default void applied(Applied a) {
        }

        /** A runnable to run once the reply left, or null; {@code replacement} is true for ERROR / Packet Loss. */
        default Runnable sending(byte[] bytes, int copies, boolean corrupted, boolean replacement) {
            return null;
        }
    }

    /**
     * Sends {@code reply} through {@code sink} as decided: held back, replaced or dropped, one byte
     * flipped, sent twice, held until after the next reply, the connection stalled, or reset
     * instead. One log line per fault, naming the script line of a scripted one.
     *
     * @param what names the reply in the log, e.g. {@code #3 127.0.0.1:5000 reply to line 2}; only
     *             called when logging, so a queued reply does not carry a label nobody reads
     * @param log  where fault lines go; null when not logging
     */
    public void apply(Decision d, byte[] reply, byte[] lossReplacement, Supplier<String> what, long arrival, ReplySink sink,
               FaultCounters counters, Consumer<String> log, Listener listener) throws IOException {
        apply(d, reply, lossReplacement, what, arrival, sink, sink, counters, log, listener);
    }

    /**
     * As above, with the ERROR / Packet Loss of a lost request going to {@code lossSink}: the
     * proxy losing a request on its way up answers the client, not the server.
     */
    public void apply(Decision d, byte[] reply, byte[] lossReplacement, Supplier<String> what, long arrival, ReplySink sink,
               ReplySink lossSink, FaultCounters counters, Consumer<String> log, Listener listener) throws IOException {
        long due = arrival + d.delayNanos();
        String name = log == null ? null : what.get();
        // What goes out instead of the reply when the request is lost: a scripted corrupt on the
        // same request flips a byte of it (a corrupted ERROR, which a client must not take for an ACK).
        byte[] sent = d.error() ? lossReplacement : reply;
        boolean flipped = d.flipIndex() >= 0 && d.flipIndex() < sent.length;
        List<Applied> faults = d.faults();
        boolean sends = !d.reset() && !d.drop() && !d.ackDrop();
        if (sends && (config.rate() > 0 || (config.slice() > 0 && sent.length > config.slice()))) {
            faults = new ArrayList<>(faults);
            long bytes = (long) sent.length * (d.duplicate() ? 2 : 1);
            long leave = admit(due, bytes);
            if (leave - due > 0) {
                faults.add(new Applied(new Fault.Throttle(java.time.Duration.ofNanos(leave - due)), 0));
                due = leave;
            }
            if (config.slice() > 0 && bytes > config.slice()) {
                faults.add(new Applied(new Fault.Slice(config.slice()), 0));
            }
        }
        for (Applied a : faults) {
            counters.increment(a.fault().kind());
            listener.applied(a);
            if (log != null) {
                log.accept(name + ": " + explain(a, sent) + rule(a));
            }
        }
        Runnable logSent = null;
        if (due - arrival > 0 && log != null) {
            logSent = () -> log.accept(name + ": sent " + String.format(Locale.ROOT, "%.3f",
                    (System.nanoTime() - arrival) / 1e9) + " s after its request arrived");
        }
        if (d.stallNanos() > 0) {
            sink.stall(arrival + d.stallNanos());
        }
        if (d.reset()) {
            sink.reset(due);
            return;
        }
        if (d.drop() || d.ackDrop()) {
            return;
        }
        if (d.error()) {
            byte[] error = flipped ? flip(lossReplacement, d.flipIndex()) : lossReplacement;
            lossSink.send(error, 0, error.length, 1, due, d.reorder(), both(logSent, listener.sending(error, 1, flipped, true)));
            return;
        }
        byte[] out = d.flipIndex() >= 0 ? flip(reply, d.flipIndex()) : reply;
        int copies = d.duplicate() ? 2 : 1;
        sink.send(out, 0, out.length, copies, due, d.reorder(), both(logSent, listener.sending(out, copies, d.flipIndex() >= 0, false)));
    }

    private String rule(Applied a) {
        return a.rule() == 0 || script == null ? "" : " (script " + script.script().sourceName() + ":" + a.rule() + ")";
    }

    private static String explain(Applied a, byte[] reply) {
        boolean random = a.rule() == 0;
        return switch (a.fault()) {
            case Fault.Delay d -> "delay, leaves " + String.format(Locale.ROOT, "%.3f", d.duration().toNanos() / 1e9)
                    + " s after its request arrived";
            case Fault.Reset r -> "reset, the connection is aborted with a TCP RST instead";
            case Fault.Drop r -> random ? "loss, dropped" : "drop, not delivered, no reply";
            case Fault.Error r -> random ? "loss, replaced by \"Packet Loss\"" : "error, not delivered, answered with \"Packet Loss\"";
            case Fault.AckDrop r -> "ack-drop, delivered but the reply is lost";
            case Fault.Corrupt c -> c.index() >= reply.length ? "corrupt, byte " + c.index() + " is past the reply's end, nothing flipped"
                    : "corrupt, byte " + c.index() + " flipped " + String.format("0x%02x -> 0x%02x", reply[c.index()] & 0xFF, ~reply[c.index()] & 0xFF);
            case Fault.Duplicate r -> "duplicate, sent twice";
            case Fault.Stall s -> "stall, nothing is sent on this connection for "
                    + String.format(Locale.ROOT, "%.3f", s.duration().toNanos() / 1e9) + " s";
            case Fault.Reorder r -> "reorder, held back until after the next reply";
            case Fault.Throttle t -> "rate limit, waits " + String.format(Locale.ROOT, "%.3f", t.held().toNanos() / 1e9) + " s";
            case Fault.Slice c -> "slice, written in pieces of at most " + c.bytes() + " bytes";
        };
    }

    private static Runnable both(Runnable a, Runnable b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return () -> {
            a.run();
            b.run();
        };
    }
}
