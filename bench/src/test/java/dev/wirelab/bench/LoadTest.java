package dev.wirelab.bench;

import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both load generators against real servers: what they count, and that they refuse a wrong or stalled echo. */
class LoadTest {

    @ParameterizedTest
    @EnumSource(Load.Kind.class)
    @Timeout(30)
    void countsEveryRoundTripItRecordsAgainstARealEchoServer(Load.Kind kind) throws Exception {
        int connections = 5;
        try (EchoServer server = EchoServer.builder().port(0).start();
             Load load = kind.open(server.address(), connections, 2, Load.line(32))) {
            long[] served = new long[2];
            Load.Window w = load.measure(Duration.ofMillis(50), Duration.ofMillis(500),
                    () -> served[0] = server.stats().messages(), () -> served[1] = server.stats().messages());

            assertTrue(w.count() > 0, "no round trip completed in 500 ms");
            assertEquals(w.count(), w.latency().getTotalCount(), "one latency sample per counted round trip");
            assertTrue(w.latency().getMinValue() > 0);
            assertTrue(w.elapsedNanos() >= Duration.ofMillis(500).toNanos());
            assertTrue(w.loadCpuNanos() > 0, "the load threads' CPU time was not read");
            // The server's edges lie just outside the load's: it cannot have served fewer messages
            // than the load completed round trips (but one in flight per connection), and a
            // thread paused between the edges on a busy machine only lets it serve more.
            long atServer = served[1] - served[0];
            assertTrue(w.count() <= atServer + connections && w.count() >= atServer / 4,
                    "load counted " + w.count() + " round trips, the server " + atServer + " messages");
        }
    }

    @ParameterizedTest
    @EnumSource(Load.Kind.class)
    @Timeout(30)
    void failsWhenTheServerEchoesMoreThanWasSent(Load.Kind kind) throws Exception {
        // A duplicated reply is the one fault that makes an echo longer than its message.
        try (EchoServer server = EchoServer.builder().port(0).faults(FaultConfig.none().withDuplicate(1.0)).seed(1).start()) {
            IOException e = assertThrows(IOException.class, () -> loadBriefly(kind, server.address()));
            assertTrue(e.getMessage().contains("bytes for a 16-byte message"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Load.Kind.class)
    @Timeout(30)
    void failsWhenTheEchoIsNotWhatWasSent(Load.Kind kind) throws Exception {
        try (EchoServer server = EchoServer.builder().port(0).faults(FaultConfig.none().withCorrupt(1.0)).seed(1).start()) {
            IOException e = assertThrows(IOException.class, () -> loadBriefly(kind, server.address()));
            assertTrue(e.getMessage().startsWith("echo differs from the message at byte "), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Load.Kind.class)
    @Timeout(30)
    void failsWhenAConnectionStallsInsteadOfReportingALowerRate(Load.Kind kind) throws Exception {
        // The kernel completes the connections; nothing ever accepts or answers them.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Load load = kind.open((InetSocketAddress) silent.getLocalSocketAddress(), 2, 1, Load.line(16))) {
            IOException e = assertThrows(IOException.class,
                    () -> load.measure(Load.STALLED_AFTER, Duration.ofMillis(100), () -> { }, () -> { }));
            assertEquals("2 of 2 connection(s) completed no echo in the 100 ms window and waited 1 s or more for one", e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Load.Kind.class)
    @Timeout(30)
    void aShortWindowWithoutAnEchoIsNoStallWhileTheEchoIsStillYoung(Load.Kind kind) throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Load load = kind.open((InetSocketAddress) silent.getLocalSocketAddress(), 1, 1, Load.line(16))) {
            // A busy machine can delay a healthy connection's echo past a short window.
            Load.Window w = load.measure(Duration.ZERO, Duration.ofMillis(50), () -> { }, () -> { });
            assertEquals(0, w.count());
        }
    }

    @ParameterizedTest
    @EnumSource(Load.Kind.class)
    @Timeout(30)
    void messagesLargerThanTheSocketTakesAtOnceStillMakeWholeRoundTrips(Load.Kind kind) throws Exception {
        try (EchoServer server = EchoServer.builder().port(0).start();
             Load load = kind.open(server.address(), 2, 1, Load.line(65536))) {
            Load.Window w = load.measure(Duration.ZERO, Duration.ofMillis(300), () -> { }, () -> { });
            assertTrue(w.count() > 0, "no 64 KiB round trip completed in 300 ms");
        }
    }

    @Test
    @Timeout(30)
    void theBlockingGeneratorRunsOneVirtualThreadPerConnection() throws Exception {
        try (EchoServer server = EchoServer.builder().port(0).start();
             Load load = Load.Kind.BLOCKING.open(server.address(), 7, 1, Load.line(32))) {
            long mine = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("blocking-load-")).count();
            // Thread.getAllStackTraces lists platform threads only: none of the load's is one.
            assertEquals(0, mine);
            assertTrue(load.measure(Duration.ZERO, Duration.ofMillis(200), () -> { }, () -> { }).count() >= 7);
        }
    }

    /** One connection of 16-byte lines; the failure may surface while starting or while measuring. */
    private static void loadBriefly(Load.Kind kind, InetSocketAddress address) throws Exception {
        try (Load load = kind.open(address, 1, 1, Load.line(16))) {
            load.measure(Duration.ofMillis(200), Duration.ofMillis(100), () -> { }, () -> { });
        }
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Stats.median(new double[]{4, 1, 3, 2}));
        assertEquals(3.0, Stats.median(new double[]{5, 3, 1}));
        assertEquals("2.50× (1.00×–4.00×)", Stats.range(new double[]{4, 1, 3, 2}, "%.2f×"));
    }

    @Test
    void theMedianIntervalIsTheSignTestsOrderStatistics() {
        double[] fifteen = java.util.stream.IntStream.rangeClosed(1, 15).mapToDouble(i -> 16 - i).toArray(); // unsorted
        Stats.Interval i15 = Stats.medianInterval(fifteen);
        assertEquals(4.0, i15.low(), "the 4th of 15");
        assertEquals(12.0, i15.high(), "the 12th of 15");
        assertEquals(1 - 2 * 576 / 32768.0, i15.confidence(), 1e-12, "1 - 2 P(B <= 3), B ~ Bin(15, 1/2)");
        Stats.Interval i10 = Stats.medianInterval(new double[]{10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
        assertEquals(2.0, i10.low());
        assertEquals(9.0, i10.high());
        assertEquals(1 - 2 * 11 / 1024.0, i10.confidence(), 1e-12);
        Stats.Interval i5 = Stats.medianInterval(new double[]{0.9, 1.2, 1.0, 1.1, 0.8});
        assertEquals(0.8, i5.low(), "five rounds cannot do better than their whole range");
        assertEquals(1.2, i5.high());
        assertEquals(1 - 2 / 32.0, i5.confidence(), 1e-12);
        assertEquals("0.80×–1.20×", i5.shown("%.2f×"));
    }

    @Test
    void theMedianIntervalAtItsEdges() {
        Stats.Interval one = Stats.medianInterval(new double[]{1.1});
        assertEquals(1.1, one.low());
        assertEquals(1.1, one.high());
        assertEquals(0.0, one.confidence(), 1e-12, "one round says nothing about the median");
        assertEquals(0.5, Stats.medianInterval(new double[]{1, 2}).confidence(), 1e-12);
        // 17 rounds: P(B <= 4) = 3214 / 2^17 = 2.45 %, just under the 2.5 % bound: the 5th to the 13th.
        Stats.Interval i17 = Stats.medianInterval(java.util.stream.IntStream.rangeClosed(1, 17).mapToDouble(i -> i).toArray());
        assertEquals(5.0, i17.low());
        assertEquals(13.0, i17.high());
        assertEquals(1 - 2 * 3214 / 131072.0, i17.confidence(), 1e-12);
    }

    @Test
    void aDifferenceIsCalledOnlyWhenTheWholeIntervalAsPrintedIsOnOneSideOfOne() {
        assertEquals(0, Resolved.call(new Stats.Interval(1.01, 1.4, 0.96)), "ahead");
        assertEquals(1, Resolved.call(new Stats.Interval(0.95, 1.2, 0.96)), "level");
        assertEquals(1, Resolved.call(new Stats.Interval(1.0, 1.2, 0.96)), "level: 1.00 is inside");
        assertEquals(1, Resolved.call(new Stats.Interval(1.004, 1.2, 0.96)), "level: printed as 1.00×–1.20×");
        assertEquals(1, Resolved.call(new Stats.Interval(0.8, 1.0, 0.96)), "level at the upper edge");
        assertEquals(1, Resolved.call(new Stats.Interval(0.8, 0.996, 0.96)), "level: printed as 0.80×–1.00×");
        assertEquals(2, Resolved.call(new Stats.Interval(0.8, 0.99, 0.96)), "behind");
    }

    @Test
    void theResolvedTableCallsEachCellAndItsSummaryCountsTheCalls() {
        Resolved r = new Resolved(5);
        r.add("selector", 1, new double[]{1.1, 1.2, 1.3, 1.15, 1.05}, new double[]{0.7, 0.8, 0.9, 0.85, 0.75});
        r.add("selector", 100, new double[]{0.9, 1.1, 1.0, 1.05, 0.95}, new double[]{1.1, 1.2, 1.3, 1.15, 1.05});
        r.add("blocking", 1, new double[]{0.7, 0.8, 0.9, 0.85, 0.75}, new double[]{0.9, 1.1, 1.0, 1.05, 0.95});
        java.io.StringWriter text = new java.io.StringWriter();
        r.print(new java.io.PrintWriter(text, true), "Netty");
        String out = text.toString();
        assertTrue(out.contains("| selector | 1 | 1.15× | 1.05×–1.30× | ahead | 0.80× | 0.70×–0.90× | lower |"), out);
        assertTrue(out.contains("| selector | 100 | 1.00× | 0.90×–1.10× | level | 1.15× | 1.05×–1.30× | higher |"), out);
        assertTrue(out.contains("| blocking | 1 | 0.80× | 0.70×–0.90× | behind | 1.00× | 0.90×–1.10× | level |"), out);
        assertTrue(out.contains("with 93.8 % confidence"), out);
        assertTrue(out.contains("Resolved by these rounds: round trips ahead in 1 cell(s), level in 1, behind in 1; server CPU per "
                + "echo lower in 1, level in 1, higher in 1."), out);
    }

    @Test
    void withFewerThanFiveRoundsNothingIsCalled() {
        Resolved r = new Resolved(3);
        r.add("selector", 1, new double[]{1.1, 1.2, 1.3}, new double[]{0.7, 0.8, 0.9});
        java.io.StringWriter text = new java.io.StringWriter();
        r.print(new java.io.PrintWriter(text, true), "Netty");
        String out = text.toString();
        assertTrue(out.contains("| selector | 1 | 1.20× | 1.10×–1.30× | — | 0.80× | 0.70×–0.90× | — |"), out);
        assertTrue(out.contains("Resolved by these rounds: nothing (too few rounds for a firm call)."), out);
    }
}
