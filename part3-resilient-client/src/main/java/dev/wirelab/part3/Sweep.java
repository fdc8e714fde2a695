package dev.wirelab.part3;

import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.LossMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The experiment: the resilient client over every combination of loss rate, corruption rate and
 * window, each point measured {@code repeats} times.
 *
 * <p>Measured so that the protocol, not the JVM, sets the numbers. A run of a few hundred
 * messages without latency lasts 10–90 ms, and the first ones run while the JIT is still compiling:
 * goodput then <em>rose</em> with the loss rate, because the lossy runs came later. So: the JVM is
 * warmed up first with unmeasured runs; the server adds a small latency by default
 * ({@link #DEFAULT_DELAY}), so each run lasts about half a second at window 1; each point is run
 * {@code repeats} times and reported as its median and range; and the runs are interleaved, each
 * round in its own shuffled order, so a slow moment of the machine does not fall on one point.
 *
 * @param warmupMessages messages of each unmeasured warm-up run (one per window); 0 for none
 */
public record Sweep(List<Double> losses, List<Double> corrupts, Duration delay, LossMode lossMode, List<Integer> windows,
                    int count, int size, long seed, int repeats, int warmupMessages) {

    /** Enough latency for the protocol's round trips to dominate the JVM's own costs on loopback. */
    public static final Duration DEFAULT_DELAY = Duration.ofMillis(5);
    public static final List<Double> DEFAULT_LOSSES = List.of(0.0, 0.1, 0.2, 0.3);
    public static final List<Integer> DEFAULT_WINDOWS = List.of(1, 8);
    /**
     * Five short runs per point rather than three long ones: on a busy machine a slow moment lasts
     * seconds, and a median of five, each run in another round, is rarely moved by one.
     */
    public static final int DEFAULT_COUNT = 100;
    public static final int DEFAULT_REPEATS = 5;
    public static final int DEFAULT_WARMUP = 2000;

    public Sweep {
        losses = List.copyOf(losses);
        corrupts = List.copyOf(corrupts);
        windows = List.copyOf(windows);
        if (losses.isEmpty() || corrupts.isEmpty() || windows.isEmpty() || count < 1 || repeats < 1 || warmupMessages < 0) {
            throw new IllegalArgumentException("a sweep needs a loss rate, a corruption rate, a window, a count and a repeat");
        }
    }

    /** The defaults of {@code part3 experiment}. */
    public static Sweep defaults() {
        return new Sweep(DEFAULT_LOSSES, List.of(0.0), DEFAULT_DELAY, LossMode.REPLACE, DEFAULT_WINDOWS, DEFAULT_COUNT, 32, 1,
                DEFAULT_REPEATS, DEFAULT_WARMUP);
    }

    /** One point of the sweep with its repeated runs. */
    public record Point(FaultConfig faults, int window, List<Experiment.Result> runs) {

        public Point {
            runs = List.copyOf(runs);
        }

        public double medianGoodput() {
            return median(goodputs());
        }

        public double minGoodput() {
            return Arrays.stream(goodputs()).min().orElse(0);
        }

        public double maxGoodput() {
            return Arrays.stream(goodputs()).max().orElse(0);
        }

        public long medianElapsedNanos() {
            return (long) median(runs.stream().mapToDouble(r -> r.summary().elapsedNanos()).toArray());
        }

        /** Over all runs of the point: transmissions per delivered message. */
        public double transmissionsPerMessage() {
            long tx = runs.stream().mapToLong(r -> r.summary().transmissions()).sum();
            long delivered = runs.stream().mapToLong(r -> r.summary().delivered()).sum();
            return delivered == 0 ? Double.NaN : (double) tx / delivered;
        }

        public int delivered() {
            return runs.stream().mapToInt(r -> r.summary().delivered()).sum();
        }

        public int messages() {
            return runs.stream().mapToInt(r -> r.summary().messages()).sum();
        }

        public int reconnects() {
            return runs.stream().mapToInt(r -> r.summary().reconnects()).sum();
        }

        public boolean correct() {
            return runs.stream().allMatch(Experiment.Result::correct);
        }

        private double[] goodputs() {
            return runs.stream().mapToDouble(r -> r.summary().goodputMessagesPerSecond()).toArray();
        }
    }

    /** Runs in all. */
    public int runs() {
        return losses.size() * corrupts.size() * windows.size() * repeats;
    }

    /** Warms up, then runs every point {@code repeats} times, interleaved; {@code progress} gets one line per run. */
    public List<Point> run(Consumer<String> progress) {
        List<byte[]> payloads = ClientCommand.generate(count, size);
        List<FaultConfig> grid = Experiment.grid(losses, corrupts, delay, lossMode);
        if (warmupMessages > 0) {
            long t0 = System.nanoTime();
            // The most faulty setting without latency, and losses answered at once (a dropped reply
            // would make each warm-up loss wait out a timer): the paths of client and server are
            // taken thousands of times in about a second.
            FaultConfig hardest = grid.get(grid.size() - 1).withDelay(Duration.ZERO).withLossMode(LossMode.REPLACE);
            List<byte[]> warm = ClientCommand.generate(warmupMessages, size);
            for (int w : windows) {
                Experiment.run(hardest, seed, warm, w, c -> c, ClientListener.NONE);
            }
            progress.accept(String.format(Locale.ROOT, "warm-up: %d unmeasured runs of %d messages in %s",
                    windows.size(), warmupMessages, Summary.millis(System.nanoTime() - t0)));
        }
        record Key(int fault, int window) { }
        Map<Key, List<Experiment.Result>> results = new LinkedHashMap<>();
        List<Key> keys = new ArrayList<>();
        for (int f = 0; f < grid.size(); f++) {
            for (int w : windows) {
                Key k = new Key(f, w);
                keys.add(k);
                results.put(k, new ArrayList<>());
            }
        }
        int done = 0;
        for (int round = 0; round < repeats; round++) {
            List<Key> order = new ArrayList<>(keys);
            Collections.shuffle(order, new Random(seed * 31 + round));
            for (Key k : order) {
                FaultConfig f = grid.get(k.fault());
                // Every point of a round sees the same fault sequence; the rounds see different ones.
                Experiment.Result r = Experiment.run(f, seed + round, payloads, k.window(), c -> c, ClientListener.NONE);
                results.get(k).add(r);
                done++;
                progress.accept(String.format(Locale.ROOT, "[%d/%d] loss %.2f, corrupt %.2f, window %d, run %d of %d: %d/%d delivered in %s",
                        done, runs(), f.loss(), f.corrupt(), k.window(), round + 1, repeats, r.summary().delivered(),
                        r.summary().messages(), Summary.millis(r.summary().elapsedNanos())));
            }
        }
        List<Point> out = new ArrayList<>();
        for (Key k : keys) {
            out.add(new Point(grid.get(k.fault()), k.window(), results.get(k)));
        }
        return out;
    }

    /** The sweep's table in Markdown: per point the median goodput and its range over the repeats. */
    public static String table(List<Point> points) {
        StringBuilder b = new StringBuilder();
        b.append("| loss | corrupt | delay | window | runs | delivered | once at server | transmissions/msg | expected 1/P(reply ok) "
                + "| reconnects | elapsed (median) | goodput (msg/s, median) | goodput range |\n");
        b.append("|-----:|--------:|------:|-------:|-----:|----------:|:--------------:|------------------:|--------------------:"
                + "|-----------:|-----------------:|------------------------:|--------------:|\n");
        for (Point p : points) {
            Experiment.Result first = p.runs().get(0);
            b.append(String.format(Locale.ROOT, "| %.2f | %.2f | %d ms | %d | %d | %d/%d | %s | %.3f | %.3f | %d | %s | %.0f | %.0f–%.0f |%n",
                    p.faults().loss(), p.faults().corrupt(), p.faults().delay().toMillis(), p.window(), p.runs().size(),
                    p.delivered(), p.messages(), p.correct() ? "yes" : "NO", p.transmissionsPerMessage(),
                    first.idealTransmissions(), p.reconnects(), Summary.millis(p.medianElapsedNanos()), p.medianGoodput(),
                    p.minGoodput(), p.maxGoodput()));
        }
        return b.toString();
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
