package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.part2.fault.FaultSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rate-driven faults of issue 10: statistics over 10,000 replies with fixed seeds, and on real sockets. */
@Timeout(60)
class RateFaultsTest {

    private static final int N = 10_000;

    /** Lost or not, for N requests in a row from one fault source. */
    private static boolean[] losses(FaultConfig c, long seed) {
        FaultSource s = new FaultSource(c, new SplittableRandom(seed), null);
        boolean[] lost = new boolean[N];
        for (int i = 0; i < N; i++) {
            lost[i] = !s.decide(null, 10, 10).delivered();
        }
        return lost;
    }

    private static double rate(boolean[] lost) {
        int n = 0;
        for (boolean b : lost) {
            n += b ? 1 : 0;
        }
        return (double) n / lost.length;
    }

    /** Mean length of the runs of consecutive losses. */
    private static double meanRun(boolean[] lost) {
        int runs = 0;
        int total = 0;
        for (int i = 0; i < lost.length; i++) {
            if (lost[i]) {
                total++;
                if (i == 0 || !lost[i - 1]) {
                    runs++;
                }
            }
        }
        return (double) total / runs;
    }

    @ParameterizedTest
    @CsvSource({"0.1, 3, 1", "0.3, 5, 2", "0.5, 2, 3", "0.2, 10, 4"})
    void burstsKeepTheLongRunLossRateAndHaveTheirMeanLength(double p, double mean, long seed) {
        boolean[] lost = losses(FaultConfig.none().withLoss(p).withBurst(mean), seed);
        assertEquals(p, rate(lost), 0.02, "long-run loss rate");
        assertEquals(mean, meanRun(lost), mean * 0.2, "mean burst length");
    }

    @ParameterizedTest
    @CsvSource({"0.1, 1", "0.3, 2", "0.5, 3"})
    void withoutBurstLossesAreIndependentAndRunsAverageOneOverOneMinusP(double p, long seed) {
        boolean[] lost = losses(FaultConfig.none().withLoss(p), seed);
        assertEquals(p, rate(lost), 0.02);
        assertEquals(1 / (1 - p), meanRun(lost), 0.2 / (1 - p));
    }

    @Test
    void aBurstTooShortForTheLossRateIsRefusedWithTheLimit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FaultConfig.none().withBurst(1).withLoss(0.8));
        assertTrue(e.getMessage().contains("at most 0.500"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"UNIFORM", "NORMAL", "PARETO"})
    void jitterDistributionsHaveTheirDocumentedMeanAndNeverGoBelowTheDelay(FaultConfig.DelayDistribution dist) {
        long jitter = Duration.ofMillis(10).toNanos();
        FaultSource s = new FaultSource(FaultConfig.none().withDelay(Duration.ofMillis(5)).withJitter(Duration.ofNanos(jitter))
                .withDelayDist(dist), new SplittableRandom(7), null);
        double sum = 0;
        long max = 0;
        for (int i = 0; i < N; i++) {
            long extra = s.decide(null, 0, 0).delayNanos() - Duration.ofMillis(5).toNanos();
            assertTrue(extra >= 0);
            sum += extra;
            max = Math.max(max, extra);
        }
        double mean = sum / N / jitter;
        switch (dist) {
            case UNIFORM -> {
                assertEquals(0.5, mean, 0.03);
                assertTrue(max <= jitter);
            }
            case NORMAL -> assertEquals(Math.sqrt(2 / Math.PI), mean, 0.03); // |N(0, jitter)|
            case PARETO -> {
                assertEquals(1.0, mean, 0.15);
                assertTrue(max > 5 * jitter, "a long tail: max " + max / (double) jitter);
            }
        }
    }

    @ParameterizedTest(name = "{0} at {1}")
    @CsvSource({"loss, 0.05", "loss, 0.3", "corrupt, 0.05", "corrupt, 0.3", "duplicate, 0.05", "duplicate, 0.3",
            "reset, 0.05", "reset, 0.3", "reorder, 0.05", "reorder, 0.3", "stall, 0.05", "stall, 0.3"})
    void eachRateAloneHitsItsShareOfTenThousandRequestsWithinFifteenPercent(String fault, double p) {
        FaultConfig c = switch (fault) {
            case "loss" -> FaultConfig.none().withLoss(p);
            case "corrupt" -> FaultConfig.none().withCorrupt(p);
            case "duplicate" -> FaultConfig.none().withDuplicate(p);
            case "reset" -> FaultConfig.none().withReset(p);
            case "reorder" -> FaultConfig.none().withReorder(p);
            default -> FaultConfig.none().withStall(p, Duration.ofMillis(10));
        };
        FaultSource s = new FaultSource(c, new SplittableRandom(17), null);
        int hits = 0;
        for (int i = 0; i < N; i++) {
            FaultSource.Decision d = s.decide(null, 10, 10);
            boolean hit = switch (fault) {
                case "loss" -> !d.delivered();
                case "corrupt" -> d.flipIndex() >= 0;
                case "duplicate" -> d.duplicate();
                case "reset" -> d.reset();
                case "reorder" -> d.reorder();
                default -> d.stallNanos() > 0;
            };
            hits += hit ? 1 : 0;
            assertEquals(hit ? 1 : 0, d.faults().size(), fault + " alone: " + d.faults());
        }
        assertEquals(p, hits / (double) N, p * 0.15, fault + " rate");
    }

    @Test
    void reorderStallAndTheOldFaultsAreDrawnAtTheirRates() {
        FaultSource s = new FaultSource(FaultConfig.none().withReorder(0.2).withStall(0.05, Duration.ofMillis(100)),
                new SplittableRandom(11), null);
        int reorder = 0;
        int stall = 0;
        for (int i = 0; i < N; i++) {
            FaultSource.Decision d = s.decide(null, 10, 10);
            reorder += d.reorder() ? 1 : 0;
            stall += d.stallNanos() > 0 ? 1 : 0;
        }
        assertEquals(0.2, reorder / (double) N, 0.02);
        assertEquals(0.05, stall / (double) N, 0.01);
    }

    @Test
    void theSameSeedGivesTheSameFaultsAndAnotherSeedOthers() {
        FaultConfig c = FaultConfig.none().withLoss(0.3).withBurst(4).withCorrupt(0.1).withReorder(0.1)
                .withJitter(Duration.ofMillis(3)).withDelayDist(FaultConfig.DelayDistribution.PARETO);
        List<FaultSource.Decision> a = new ArrayList<>();
        List<FaultSource.Decision> b = new ArrayList<>();
        List<FaultSource.Decision> other = new ArrayList<>();
        FaultSource sa = new FaultSource(c, new SplittableRandom(42), null);
        FaultSource sb = new FaultSource(c, new SplittableRandom(42), null);
        FaultSource so = new FaultSource(c, new SplittableRandom(43), null);
        for (int i = 0; i < 1000; i++) {
            a.add(sa.decide(null, 10, 10));
            b.add(sb.decide(null, 10, 10));
            other.add(so.decide(null, 10, 10));
        }
        assertEquals(a, b);
        assertNotEquals(a, other);
    }

    @Test
    void reorderingIsVisibleWithPipelinedFrames() throws Exception {
        try (EchoServer s = EchoServer.builder().faults(FaultConfig.none().withReorder(0.3)).seed(5).start();
             TestClient c = new TestClient(s.address())) {
            for (int i = 1; i <= 50; i++) {
                c.sendFrame(Frame.data(i, new byte[]{(byte) i}));
            }
            List<Long> seqs = c.readFrames(50).stream().map(Frame::seq).toList();
            assertEquals(50, seqs.stream().distinct().count(), "every reply once: " + seqs);
            int outOfOrder = 0;
            for (int i = 1; i < seqs.size(); i++) {
                outOfOrder += seqs.get(i) < seqs.get(i - 1) ? 1 : 0;
            }
            assertTrue(outOfOrder > 0, "some reply came after a later one: " + seqs);
            // Two held in a row go out behind the same next reply: one inversion for two reorders.
            assertTrue(outOfOrder <= s.stats().faults(Fault.Kind.REORDER), seqs.toString());
        }
    }

    @Test
    void theRateLimitHoldsTheConnectionToItsBandwidthOverMoreThanASecond() throws Exception {
        long rate = 40_000;
        byte[] line = new byte[1000];
        java.util.Arrays.fill(line, (byte) 'x');
        line[line.length - 1] = '\n';
        int lines = 80; // 80,000 bytes: 2 s at the rate, minus the bucket's 1,500 bytes
        try (EchoServer s = EchoServer.builder().faults(FaultConfig.none().withRate(rate)).start();
             TestClient c = new TestClient(s.address())) {
            long start = System.nanoTime();
            for (int i = 0; i < lines; i++) {
                c.send(line);
            }
            c.readExactly(line.length * lines);
            double seconds = (System.nanoTime() - start) / 1e9;
            double expected = (line.length * (double) lines - 1_500) / rate;
            // A measured property (the issue allows it): well above a loaded machine's jitter.
            assertEquals(expected, seconds, expected * 0.15, "took " + seconds + " s");
            assertTrue(s.stats().faults(Fault.Kind.THROTTLE) > 0);
        }
    }

    @Test
    void slicedRepliesAreWrittenInPiecesAndArriveWhole() throws Exception {
        // How the pieces are read depends on timing (back-to-back segments may be read at once),
        // so this checks what the server did and that the reader reassembles the line.
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (EchoServer s = EchoServer.builder().faults(FaultConfig.none().withSlice(3)).log(log::add).start();
             TestClient c = new TestClient(s.address())) {
            c.sendLine("Test1 is sliced");
            assertEquals("Test1 is sliced\n", c.readLine());
            c.sendLine("ok");
            assertEquals("ok\n", c.readLine());
            assertEquals(1, s.stats().faults(Fault.Kind.SLICE), "only the reply longer than a slice");
            assertTrue(log.stream().anyMatch(l -> l.contains("reply to line 1: slice, written in pieces of at most 3 bytes")), log.toString());
        }
    }

    @Test
    void theProxyAppliesTheNewFaultsPerDirection() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy up = FaultProxy.builder().upstream(server.address()).direction(FaultProxy.Direction.UP)
                     .faults(FaultConfig.none().withLoss(1.0).withBurst(2).withLossMode(LossMode.DROP)).start();
             FaultProxy down = FaultProxy.builder().upstream(server.address()).direction(FaultProxy.Direction.DOWN)
                     .faults(FaultConfig.none().withReorder(1.0)).start()) {
            try (TestClient c = new TestClient(up.address())) {
                c.sendLine("lost").shutdownOutput();
                assertEquals(0, c.readToEnd().length, "the request never reached the server");
            }
            assertEquals(1, up.stats().faults(Fault.Kind.DROP));
            assertEquals(0, server.stats().messages());
            try (TestClient c = new TestClient(down.address())) {
                c.sendLine("a");
                c.sendLine("b");
                c.shutdownOutput();
                // each unit waits for the next; the last goes out at the end of the stream
                String got = new String(c.readToEnd(), StandardCharsets.US_ASCII);
                assertTrue(got.equals("a\nb\n") || got.equals("b\na\n"), got);
            }
            assertTrue(down.stats().faults(Fault.Kind.REORDER) >= 1);
        }
    }
}
