package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameDecoder;
import dev.wirelab.common.FrameType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class FaultTest {

    private static final int N = 2000;

    /** Sends N numbered lines at once, half-closes, and returns every line that came back. */
    private static List<String> echoMany(FaultConfig faults, long seed) throws IOException {
        try (EchoServer server = EchoServer.builder().faults(faults).seed(seed).start();
             TestClient c = new TestClient(server.address())) {
            c.send(manyLines().getBytes(StandardCharsets.US_ASCII)).shutdownOutput();
            return TestClient.lines(c.readToEnd());
        }
    }

    private static String manyLines() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < N; i++) {
            b.append("Test").append(i).append('\n');
        }
        return b.toString();
    }

    private static void assertAround(double expected, long actual) {
        // ±5 standard deviations of a binomial: fails only if the fault rate is really wrong.
        double sd = Math.sqrt(N * (expected / N) * (1 - expected / N));
        assertTrue(Math.abs(actual - expected) <= 5 * sd + 1, "expected about " + expected + ", got " + actual);
    }

    @Test
    void lossReplaceSendsPacketLossInsteadOfTheEchoAtAboutTheConfiguredRate() throws Exception {
        List<String> got = echoMany(FaultConfig.none().withLoss(0.3), 42);
        assertEquals(N, got.size());
        long lost = got.stream().filter("Packet Loss\n"::equals).count();
        assertAround(0.3 * N, lost);
        for (int i = 0, k = 0; i < N; i++) {
            String line = got.get(i);
            assertTrue(line.equals("Test" + i + "\n") || line.equals("Packet Loss\n"), line);
        }
    }

    @Test
    void lossDropSendsNothingForALostReply() throws Exception {
        List<String> got = echoMany(FaultConfig.none().withLoss(0.25).withLossMode(LossMode.DROP), 7);
        assertAround(0.75 * N, got.size());
        assertTrue(got.stream().allMatch(l -> l.startsWith("Test")));
    }

    @Test
    void corruptionFlipsExactlyOneByteAndNeverTheNewline() throws Exception {
        List<String> got = echoMany(FaultConfig.none().withCorrupt(1.0), 3);
        assertEquals(N, got.size());
        for (int i = 0; i < N; i++) {
            byte[] sent = ("Test" + i + "\n").getBytes(StandardCharsets.ISO_8859_1);
            byte[] back = got.get(i).getBytes(StandardCharsets.ISO_8859_1);
            assertEquals(sent.length, back.length);
            int differing = 0;
            for (int j = 0; j < sent.length; j++) {
                if (sent[j] != back[j]) {
                    differing++;
                    assertEquals((byte) (sent[j] ^ 0xFF), back[j], "all bits of the byte are flipped");
                }
            }
            assertEquals(1, differing, "exactly one byte differs in reply " + i);
            assertEquals('\n', back[back.length - 1]);
        }
    }

    @Test
    void corruptionHitsAboutTheConfiguredShareOfReplies() throws Exception {
        List<String> got = echoMany(FaultConfig.none().withCorrupt(0.1), 11);
        long bad = 0;
        for (int i = 0; i < N; i++) {
            if (!got.get(i).equals("Test" + i + "\n")) {
                bad++;
            }
        }
        assertAround(0.1 * N, bad);
    }

    @Test
    void duplicateSendsAboutTheConfiguredShareOfRepliesTwice() throws Exception {
        List<String> got = echoMany(FaultConfig.none().withDuplicate(0.2), 5);
        assertAround(0.2 * N, got.size() - N);
        for (int i = 1; i < got.size(); i++) {
            // a duplicate follows its original directly: the order is kept
            int prev = Integer.parseInt(got.get(i - 1).trim().substring(4));
            int cur = Integer.parseInt(got.get(i).trim().substring(4));
            assertTrue(cur == prev || cur == prev + 1);
        }
    }

    @Test
    void theSameSeedGivesTheSameFaults() throws Exception {
        FaultConfig f = FaultConfig.none().withLoss(0.2).withCorrupt(0.2).withDuplicate(0.2);
        assertEquals(echoMany(f, 99), echoMany(f, 99));
        assertNotEquals(echoMany(f, 99), echoMany(f, 100));
    }

    @Test
    void resetAbortsTheConnectionWithARst() throws Exception {
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withReset(1.0)).start();
             TestClient c = new TestClient(server.address())) {
            c.sendLine("Test1");
            SocketException e = assertThrows(SocketException.class, c::readToEnd);
            assertTrue(e.getMessage().toLowerCase().contains("reset"), e.getMessage());
            assertEquals(1, server.stats().resets());
        }
    }

    @Test
    void inFrameModeALostMessageIsAnErrorFrameSayingPacketLossAndIsNotDelivered() throws Exception {
        List<Delivery> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withLoss(1.0))
                .onDelivery(delivered::add).start();
             TestClient c = new TestClient(server.address())) {
            c.sendFrame(Frame.data(5, "Test1\n".getBytes(StandardCharsets.UTF_8)));
            assertEquals(Frame.error(5, "Packet Loss"), c.readFrame());
            // ERROR n means "n was not delivered" (docs/wire-format.md): the handler never saw it.
            assertEquals(List.of(), delivered);
            assertEquals(0, server.stats().delivered());
        }
    }

    @Test
    void aHelloAnsweredWithErrorZeroDoesNotNameTheConnection() throws Exception {
        List<Delivery> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
        boolean sawLostHello = false;
        boolean sawTakenHello = false;
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withLoss(0.5)).seed(7)
                .onDelivery(delivered::add).start()) {
            for (int k = 0; k < 40 && !(sawLostHello && sawTakenHello); k++) {
                String id = "alice-" + k;
                try (TestClient c = new TestClient(server.address())) {
                    c.sendFrame(Frame.hello(id));
                    boolean lost = c.readFrame().type() == FrameType.ERROR;
                    // Send DATA 1 until it is acknowledged (each try is lost with p = 0.5).
                    Frame reply = null;
                    for (int tries = 0; tries < 60 && (reply == null || reply.type() != FrameType.ACK); tries++) {
                        c.sendFrame(Frame.data(1, id.getBytes(StandardCharsets.UTF_8)));
                        reply = c.readFrame();
                    }
                    assertEquals(FrameType.ACK, reply.type());
                    Delivery d = delivered.get(delivered.size() - 1);
                    if (lost) {
                        sawLostHello = true;
                        assertNotEquals(id, d.clientId(), "a HELLO answered with ERROR 0 was taken");
                    } else {
                        sawTakenHello = true;
                        assertEquals(id, d.clientId());
                    }
                }
            }
        }
        assertTrue(sawLostHello && sawTakenHello, "the seed gave no lost and kept HELLO in 40 connections");
    }

    @Test
    void inFrameModeCorruptionFlipsOneByteOfTheReplyFrame() throws Exception {
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withCorrupt(1.0)).seed(1).start();
             TestClient c = new TestClient(server.address())) {
            Frame data = Frame.data(1, "Test1\n".getBytes(StandardCharsets.UTF_8));
            c.sendFrame(data).shutdownOutput();
            byte[] expected = FrameCodec.encode(Frame.ack(1, data.payload()));
            byte[] got = c.readToEnd();
            // A flipped length byte may change how much the client would wait for; the bytes sent are the frame's.
            assertEquals(expected.length, got.length);
            int differing = 0;
            for (int i = 0; i < expected.length; i++) {
                differing += expected[i] != got[i] ? 1 : 0;
            }
            assertEquals(1, differing);
            assertThrows(Exception.class, () -> {
                FrameDecoder d = new FrameDecoder();
                d.feed(got);
                d.finish();
            }, "the receiver's checks catch the corruption");
        }
    }

    @Test
    void aDelayedReplyLeavesNoSoonerThanTheDelay() throws Exception {
        Duration delay = Duration.ofMillis(300);
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withDelay(delay)).start();
             PlainLineClient c = PlainLineClient.connect(server.address(), Duration.ofSeconds(10))) {
            PlainLineClient.Reply r = c.send("Test1");
            assertTrue(r.intact(), r.toString());
            assertTrue(r.elapsed().compareTo(delay) >= 0, "took " + r.elapsed());
            assertEquals(1, server.stats().delayed());
        }
    }

    @Test
    void pipelinedRequestsAreEachDelayedFromTheirOwnArrivalNotOneAfterAnother() throws Exception {
        Duration delay = Duration.ofMillis(500);
        int count = 8;
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withDelay(delay)).start();
             TestClient c = new TestClient(server.address())) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < count; i++) {
                b.append("p").append(i).append('\n');
            }
            long start = System.nanoTime();
            c.send(b.toString().getBytes(StandardCharsets.US_ASCII));
            List<String> got = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                got.add(c.readLine());
            }
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            for (int i = 0; i < count; i++) {
                assertEquals("p" + i + "\n", got.get(i), "order kept");
            }
            assertTrue(elapsedMs >= delay.toMillis(), "no reply before the delay: " + elapsedMs);
            // Serialised, the eighth reply could not leave before 8 x 500 ms = 4 s; as latency they
            // all leave after ~500 ms. The bound is the serialised minimum, not a guess at how
            // late a loaded machine may run, so only serialisation can break it.
            assertTrue(elapsedMs < count * delay.toMillis(), "replies were serialised: " + elapsedMs + " ms");
        }
    }

    @Test
    void withJitterRepliesStillKeepTheirOrder() throws Exception {
        FaultConfig f = FaultConfig.none().withDelay(Duration.ofMillis(5)).withJitter(Duration.ofMillis(50));
        List<String> got;
        try (EchoServer server = EchoServer.builder().faults(f).seed(4).start();
             TestClient c = new TestClient(server.address())) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                b.append("Test").append(i).append('\n');
            }
            c.send(b.toString().getBytes(StandardCharsets.US_ASCII)).shutdownOutput();
            got = TestClient.lines(c.readToEnd());
        }
        assertEquals(200, got.size());
        for (int i = 0; i < 200; i++) {
            assertEquals("Test" + i + "\n", got.get(i));
        }
    }

    @Test
    void invalidRatesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> FaultConfig.none().withLoss(1.5));
        assertThrows(IllegalArgumentException.class, () -> FaultConfig.none().withCorrupt(-0.1));
        assertThrows(IllegalArgumentException.class, () -> FaultConfig.none().withDelay(Duration.ofMillis(-1)));
        assertEquals("none", FaultConfig.none().describe());
        assertTrue(FaultConfig.none().withLoss(0.5).describe().contains("loss=0.5(replace)"));
        assertEquals(FrameType.ERROR, Frame.error(1, "x").type());
        assertArrayEquals(new byte[]{1}, new byte[]{1});
    }
}
