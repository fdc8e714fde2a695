package dev.wirelab.part3;

import dev.wirelab.part2.Delivery;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.EchoServerStats;
import dev.wirelab.part2.FaultConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * One run of the resilient client against part 2's echo server started in this process with the
 * given faults, checked from the server's side too: which (client, seq) its handler received, how
 * often, and whether the payload is the one sent.
 */
public final class Experiment {

    /** The outcome of one run. {@code deliveredTwice} and {@code wrongPayloads} must be 0. */
    public record Result(FaultConfig faults, int window, Summary summary, EchoServerStats server,
                         int deliveredAtServer, int deliveredTwice, int wrongPayloads) {

        /** Fewest transmissions per message any protocol could need: a reply survives with probability (1-loss)(1-corrupt)(1-reset). */
        public double idealTransmissions() {
            return 1.0 / ((1 - faults.loss()) * (1 - faults.corrupt()) * (1 - faults.reset()));
        }

        /** Every message delivered, once each at the server, with the payload that was sent. */
        public boolean correct() {
            return summary.allDelivered() && deliveredAtServer == summary.messages() && deliveredTwice == 0 && wrongPayloads == 0;
        }
    }

    private Experiment() {
    }

    /**
     * Runs {@code payloads} through a fresh server with {@code faults} (seeded) using a client
     * configured by {@code configure} (host, port and client id already set).
     */
    public static Result run(FaultConfig faults, long seed, List<byte[]> payloads, int window,
                             UnaryOperator<ResilientClient.Config> configure, ClientListener listener) {
        return run(faults, seed, payloads, window, "experiment", configure, listener);
    }

    /** As {@link #run(FaultConfig, long, List, int, UnaryOperator, ClientListener)}, saying HELLO as {@code clientId}. */
    public static Result run(FaultConfig faults, long seed, List<byte[]> payloads, int window, String clientId,
                             UnaryOperator<ResilientClient.Config> configure, ClientListener listener) {
        List<Delivery> got = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().host("127.0.0.1").port(0).faults(faults).seed(seed)
                .onDelivery(got::add).start()) {
            ResilientClient.Config cfg = configure.apply(
                    ResilientClient.Config.to("127.0.0.1", server.port()).withClientId(clientId).withWindow(window));
            Summary summary = new ResilientClient(cfg, listener, new java.util.SplittableRandom(seed)).send(payloads);
            Map<Long, Integer> seen = new HashMap<>();
            int wrong = 0;
            for (Delivery d : got) {
                seen.merge(d.seq(), 1, Integer::sum);
                long i = d.seq() - 1;
                if (!d.clientId().equals(summary.sessionId()) || i < 0 || i >= payloads.size()
                        || !java.util.Arrays.equals(payloads.get((int) i), d.payload())) {
                    wrong++;
                }
            }
            int twice = (int) seen.values().stream().filter(c -> c > 1).count();
            return new Result(faults, window, summary, server.stats(), seen.size(), twice, wrong);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the echo server: " + e.getMessage(), e);
        }
    }

    /** The experiment's table in Markdown. */
    public static String table(List<Result> results) {
        StringBuilder b = new StringBuilder();
        b.append("| loss | corrupt | delay | window | delivered | once at server | transmissions/msg | expected 1/P(reply ok) | reconnects | elapsed | goodput (msg/s) |\n");
        b.append("|-----:|--------:|------:|-------:|----------:|:--------------:|------------------:|--------------------:|-----------:|--------:|----------------:|\n");
        for (Result r : results) {
            Summary s = r.summary();
            b.append(String.format(Locale.ROOT, "| %.2f | %.2f | %d ms | %d | %d/%d | %s | %.3f | %.3f | %d | %s | %.0f |%n",
                    r.faults().loss(), r.faults().corrupt(), r.faults().delay().toMillis(), r.window(), s.delivered(),
                    s.messages(), r.correct() ? "yes" : "NO", s.transmissionsPerMessage(), r.idealTransmissions(),
                    s.reconnects(), Summary.millis(s.elapsedNanos()), s.goodputMessagesPerSecond()));
        }
        return b.toString();
    }

    /** A grid of fault settings: every loss with every corrupt rate, with a common delay. */
    public static List<FaultConfig> grid(List<Double> losses, List<Double> corrupts, Duration delay,
                                         dev.wirelab.part2.LossMode mode) {
        List<FaultConfig> out = new ArrayList<>();
        for (double c : corrupts) {
            for (double l : losses) {
                out.add(FaultConfig.none().withLoss(l).withLossMode(mode).withCorrupt(c).withDelay(delay));
            }
        }
        return out;
    }
}
