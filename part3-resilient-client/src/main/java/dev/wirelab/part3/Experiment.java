package dev.wirelab.part3;

import dev.wirelab.part2.Delivery;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.EchoServerStats;
import dev.wirelab.part2.FaultConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * One run of the resilient client against part 2's echo server started in this process with the
 * given faults, checked from the server's side too: which messages its handler received, how
 * often, under which client id and sequence number, and whether the payload is the one sent.
 *
 * <p>Part 2's server hands each (client id, seq) to its handler once, so counting handler calls per
 * (client id, seq) could never find a duplicate. What the server cannot hide is the client's own
 * mistakes: a message sent under two sequence numbers (counted by payload, when the payloads
 * differ), or a sequence number sent under two client ids (counted per seq over all ids).
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
            Check c = check(got, payloads, summary.sessionId());
            return new Result(faults, window, summary, server.stats(), c.deliveredIntact(), c.deliveredTwice(), c.wrong());
        } catch (IOException e) {
            // The server is ours and listening: neither it nor the client's start can fail but for a broken machine.
            throw new UncheckedIOException("experiment run failed: " + e.getMessage(), e);
        }
    }

    /**
     * What the server's handler received, against what was sent.
     *
     * @param deliveredIntact messages that reached the handler under the session id, with their own
     *                        sequence number and payload
     * @param deliveredTwice  messages (or sequence numbers) the handler received more than once
     * @param wrong           deliveries under another client id, an unknown seq, or the wrong payload
     */
    record Check(int deliveredIntact, int deliveredTwice, int wrong) { }

    static Check check(List<Delivery> got, List<byte[]> payloads, String sessionId) {
        Map<ByteBuffer, Integer> indexOf = new HashMap<>();
        boolean distinct = true;
        for (int i = 0; i < payloads.size() && distinct; i++) {
            distinct = indexOf.put(ByteBuffer.wrap(payloads.get(i)), i) == null;
        }
        Map<Long, Integer> perSeq = new HashMap<>();
        int[] perMessage = new int[payloads.size()];
        boolean[] intact = new boolean[payloads.size()];
        int wrong = 0;
        for (Delivery d : got) {
            perSeq.merge(d.seq(), 1, Integer::sum);
            byte[] p = d.payload();
            long i = d.seq() - 1;
            boolean ok = d.clientId().equals(sessionId) && i >= 0 && i < payloads.size()
                    && java.util.Arrays.equals(payloads.get((int) i), p);
            if (ok) {
                intact[(int) i] = true;
            } else {
                wrong++;
            }
            Integer message = distinct ? indexOf.get(ByteBuffer.wrap(p)) : ok ? Integer.valueOf((int) i) : null;
            if (message != null) {
                perMessage[message]++;
            }
        }
        int twiceBySeq = (int) perSeq.values().stream().filter(n -> n > 1).count();
        int twiceByMessage = (int) java.util.Arrays.stream(perMessage).filter(n -> n > 1).count();
        int intactCount = 0;
        for (boolean b : intact) {
            intactCount += b ? 1 : 0;
        }
        return new Check(intactCount, Math.max(twiceBySeq, twiceByMessage), wrong);
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
