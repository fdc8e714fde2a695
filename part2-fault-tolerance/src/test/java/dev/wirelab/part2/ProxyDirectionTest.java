package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy applies every fault of issue 10 in the direction {@code --direction} names, and only
 * there: what the upstream receives shows the faults going up, what the client receives (with
 * a fault-free upstream) those coming down.
 */
@Timeout(60)
class ProxyDirectionTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static FaultProxy proxy(EchoServer upstream, FaultConfig f, FaultProxy.Direction d, List<String> log)
            throws Exception {
        return FaultProxy.builder().upstream(upstream.address()).faults(f).direction(d).seed(3).log(log::add).start();
    }

    private static List<Long> seqs(List<Frame> frames) {
        return frames.stream().map(Frame::seq).toList();
    }

    static Stream<Arguments> everyNewRateFault() {
        return Stream.of(
                Arguments.of("burst", FaultConfig.none().withLoss(0.3).withBurst(3).withLossMode(LossMode.REPLACE), Fault.Kind.ERROR),
                Arguments.of("reorder", FaultConfig.none().withReorder(0.5), Fault.Kind.REORDER),
                Arguments.of("delay-dist", FaultConfig.none().withJitter(Duration.ofMillis(2))
                        .withDelayDist(FaultConfig.DelayDistribution.PARETO), Fault.Kind.DELAY),
                Arguments.of("rate", FaultConfig.none().withRate(20_000), Fault.Kind.THROTTLE),
                Arguments.of("slice", FaultConfig.none().withSlice(7), Fault.Kind.SLICE),
                Arguments.of("stall", FaultConfig.none().withStall(0.2, Duration.ofMillis(5)), Fault.Kind.STALL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyNewRateFault")
    void eachNewFaultHitsOnlyTheDirectionItWasGiven(String name, FaultConfig f, Fault.Kind kind) throws Exception {
        for (FaultProxy.Direction d : List.of(FaultProxy.Direction.UP, FaultProxy.Direction.DOWN)) {
            List<String> log = new CopyOnWriteArrayList<>();
            String line = "a line of some forty bytes, to be shaped";
            try (EchoServer server = EchoServer.builder().start();
                 FaultProxy proxy = proxy(server, f, d, log);
                 TestClient c = new TestClient(proxy.address())) {
                for (int i = 0; i < 60; i++) {
                    c.sendLine(line + " " + i);
                }
                c.shutdownOutput();
                List<String> got = TestClient.lines(c.readToEnd());
                assertEquals(60, got.size(), name + " " + d + ": every line answered once (lost ones as Packet Loss)");
                assertTrue(proxy.stats().faults(kind) > 0, name + " " + d + ": " + proxy.stats().describe());
            }
            String mine = " " + d.name().toLowerCase(java.util.Locale.ROOT) + " lines unit ";
            String other = d == FaultProxy.Direction.UP ? " down lines unit " : " up lines unit ";
            List<String> hits = log.stream().filter(l -> l.contains(" unit ") && l.contains(": " + word(kind))).toList();
            assertFalse(hits.isEmpty(), name + " " + d + ": no log line for " + kind + " in " + log);
            assertTrue(hits.stream().allMatch(l -> l.contains(mine) && !l.contains(other)), name + " " + d + ": " + hits);
        }
    }

    /** How a fault's log line starts after the unit's name. */
    private static String word(Fault.Kind kind) {
        return switch (kind) {
            case ERROR -> "loss";
            case THROTTLE -> "rate limit";
            default -> kind.action();
        };
    }

    @Test
    void reorderingUpTheWayChangesTheOrderTheServerSeesDownTheWayOnlyTheOrderTheClientSees() throws Exception {
        FaultConfig f = FaultConfig.none().withReorder(0.5);
        for (FaultProxy.Direction d : List.of(FaultProxy.Direction.UP, FaultProxy.Direction.DOWN)) {
            List<Delivery> delivered = new CopyOnWriteArrayList<>();
            List<Long> client;
            try (EchoServer server = EchoServer.builder().onDelivery(delivered::add).start();
                 FaultProxy proxy = proxy(server, f, d, new ArrayList<>());
                 TestClient c = new TestClient(proxy.address())) {
                for (int i = 1; i <= 40; i++) {
                    c.sendFrame(Frame.data(i, bytes("m" + i)));
                }
                client = seqs(c.readFrames(40));
            }
            List<Long> sent = LongStream.rangeClosed(1, 40).boxed().toList();
            List<Long> atServer = delivered.stream().map(Delivery::seq).toList();
            assertEquals(sent, atServer.stream().sorted().toList(), "every message delivered once");
            assertEquals(sent, client.stream().sorted().toList(), "every ACK once");
            if (d == FaultProxy.Direction.UP) {
                assertNotEquals(sent, atServer, "reordered on the way up");
                assertEquals(atServer, client, "the server answers in the order it got them, and nothing reorders the answers");
            } else {
                assertEquals(sent, atServer, "nothing reordered on the way up");
                assertNotEquals(sent, client, "reordered on the way down");
            }
        }
    }

    @Test
    void burstLossUpTheWayLosesRequestsDownTheWayOnlyReplies() throws Exception {
        FaultConfig f = FaultConfig.none().withLoss(0.3).withBurst(4).withLossMode(LossMode.DROP);
        for (FaultProxy.Direction d : List.of(FaultProxy.Direction.UP, FaultProxy.Direction.DOWN)) {
            List<Delivery> delivered = new CopyOnWriteArrayList<>();
            try (EchoServer server = EchoServer.builder().onDelivery(delivered::add).start();
                 FaultProxy proxy = proxy(server, f, d, new ArrayList<>());
                 TestClient c = new TestClient(proxy.address())) {
                for (int i = 1; i <= 200; i++) {
                    c.sendFrame(Frame.data(i, bytes("m" + i)));
                }
                c.shutdownOutput();
                byte[] rest = c.readToEnd(); // once the proxy passed the end of the stream on: every unit decided
                long lost = proxy.stats().faults(Fault.Kind.DROP);
                List<Frame> acks = new ArrayList<>();
                new FrameDecoder(1024).feed(rest, 0, rest.length, acks::add);
                assertTrue(lost > 10, "drops: " + lost);
                assertEquals(200 - lost, acks.size());
                assertEquals(d == FaultProxy.Direction.UP ? 200 - lost : 200, delivered.size(),
                        d + ": what the server got");
                assertTrue(longestGap(seqs(acks)) >= 3, d + ": losses come in bursts: " + seqs(acks));
            }
        }
    }

    /** The longest run of consecutive seqs 1..200 missing from {@code got}. */
    private static int longestGap(List<Long> got) {
        int longest = 0;
        int run = 0;
        for (long s = 1; s <= 200; s++) {
            run = got.contains(s) ? 0 : run + 1;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    @Test
    void theSameSeedAndTrafficGiveTheSameFaultsThroughTheProxy() throws Exception {
        FaultConfig f = FaultConfig.none().withLoss(0.3).withBurst(2).withCorrupt(0.2);
        List<List<String>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            try (EchoServer server = EchoServer.builder().start();
                 FaultProxy proxy = proxy(server, f, FaultProxy.Direction.DOWN, new ArrayList<>());
                 TestClient c = new TestClient(proxy.address())) {
                List<String> got = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    c.sendLine("Test" + i); // one at a time: the same units whatever the timing
                    got.add(c.readLine());
                }
                runs.add(got);
            }
        }
        assertEquals(runs.get(0), runs.get(1));
        assertTrue(runs.get(0).contains("Packet Loss\n"), runs.get(0).toString());
    }

    /**
     * With {@code --direction up} a lost request is answered ("Packet Loss") on the way down, where
     * the server's replies pass untouched. The answer must go between whole replies: here the
     * server has sent half a line when the lost request arrives, and the client must still read
     * whole lines (the answer first, since the half reply was not complete), never the answer
     * spliced into the server's line.
     */
    @Test
    void aLossAnsweredGoingUpNeverLandsInsideAReplyThatIsHalfWayDown() throws Exception {
        CountDownLatch answered = new CountDownLatch(1);
        try (ServerSocket upstream = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofVirtual().start(() -> {
                try (Socket s = upstream.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write(bytes("first\nhal")); // one whole reply and half of the next
                    out.flush();
                    answered.await(20, TimeUnit.SECONDS);
                    out.write(bytes("f\n"));
                    out.flush();
                    s.getInputStream().readAllBytes();
                } catch (Exception ignored) {
                    // the test's assertions say what went wrong
                }
            });
            FaultConfig lose = FaultConfig.none().withLoss(1.0).withLossMode(LossMode.REPLACE);
            try (FaultProxy proxy = FaultProxy.builder()
                    .upstream((InetSocketAddress) upstream.getLocalSocketAddress())
                    .faults(lose).direction(FaultProxy.Direction.UP).log(l -> { }).start();
                 TestClient c = new TestClient(proxy.address())) {
                // The first reply arrived: the proxy has read the half one too (one 9-byte write).
                assertEquals("first\n", c.readLine());
                c.sendLine("lost on the way up");
                assertEquals("Packet Loss\n", c.readLine(), "the answer to the lost request, as a line of its own");
                answered.countDown();
                assertEquals("half\n", c.readLine(), "the server's reply, whole");
            } finally {
                answered.countDown();
                server.join(Duration.ofSeconds(20));
            }
        }
    }
}
