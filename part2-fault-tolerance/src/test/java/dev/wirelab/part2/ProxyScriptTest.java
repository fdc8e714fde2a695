package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A script through the proxy: with both directions each rule acts once, where the echo server
 * would (drop and error on the request going up, the rest on the reply coming down); and the
 * proxy's random faults coming down are the echo server's for the same seed.
 */
@Timeout(30)
class ProxyScriptTest {

    private final List<Delivery> delivered = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Frame ack(long seq) {
        return Frame.ack(seq, bytes("m" + seq));
    }

    private FaultProxy proxy(EchoServer upstream, String script) throws Exception {
        return FaultProxy.builder().upstream(upstream.address()).script(FaultScript.parseOneLine("test", script))
                .seed(1).log(log::add).start();
    }

    /** HELLO, then DATA 1..n pipelined. */
    private static TestClient helloAndData(FaultProxy p, int n) throws Exception {
        return TestClient.helloAndData(p.address(), "alice", n);
    }

    @Test
    void withBothDirectionsAnAckDropDeliversTheRequestLosesOnlyItsReplyAndTheRetransmissionIsSuppressed() throws Exception {
        try (EchoServer server = EchoServer.builder().onDelivery(delivered::add).start();
             FaultProxy proxy = proxy(server, "seq 3: ack-drop");
             TestClient c = helloAndData(proxy, 4)) {
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1), ack(2), ack(4)), c.readFrames(4));
            c.sendFrame(Frame.data(3, bytes("m3")));
            assertEquals(ack(3), c.readFrame());
            assertEquals(List.of(1L, 2L, 3L, 4L), delivered.stream().map(Delivery::seq).toList());
            assertEquals(1, server.stats().duplicatesSuppressed(), "the retransmission reached the server as a duplicate");
            assertEquals(1, proxy.stats().faults(Fault.Kind.ACK_DROP), "the rule fired once, not once per direction");
            assertTrue(log.stream().anyMatch(l -> l.contains(" down frames unit ") && l.contains("ack-drop") && l.contains("(script test:1)")),
                    log.toString());
        }
    }

    @Test
    void withBothDirectionsADropLosesTheRequestSoTheServerNeverSawIt() throws Exception {
        try (EchoServer server = EchoServer.builder().onDelivery(delivered::add).start();
             FaultProxy proxy = proxy(server, "seq 2: drop");
             TestClient c = helloAndData(proxy, 3)) {
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1), ack(3)), c.readFrames(3));
            c.sendFrame(Frame.data(2, bytes("m2")));
            assertEquals(ack(2), c.readFrame());
            assertEquals(List.of(1L, 3L, 2L), delivered.stream().map(Delivery::seq).toList());
            assertEquals(0, server.stats().duplicatesSuppressed());
            assertTrue(log.stream().anyMatch(l -> l.contains(" up frames unit ") && l.contains("drop")), log.toString());
        }
    }

    @Test
    void withBothDirectionsAnErrorAnswersTheClientWithErrorNAndTheServerNeverSeesTheRequest() throws Exception {
        try (EchoServer server = EchoServer.builder().onDelivery(delivered::add).start();
             FaultProxy proxy = proxy(server, "seq 2: error");
             TestClient c = new TestClient(proxy.address())) {
            c.sendFrame(Frame.hello("alice"));
            assertEquals(Frame.ack(0, new byte[0]), c.readFrame());
            for (int i = 1; i <= 3; i++) {
                c.sendFrame(Frame.data(i, bytes("m" + i)));
                assertEquals(i == 2 ? Frame.error(2, "Packet Loss") : ack(i), c.readFrame());
            }
            assertEquals(List.of(1L, 3L), delivered.stream().map(Delivery::seq).toList());
            assertEquals(2, server.stats().messages(), "the server got DATA 1 and 3 only: " + server.stats());
            assertEquals(1, proxy.stats().faults(Fault.Kind.ERROR));
        }
    }

    @Test
    void withBothDirectionsAReorderHoldsTheReplyOnceNotOnTheWayUpAndAgainOnTheWayDown() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = proxy(server, "reply 2: reorder");
             TestClient c = new TestClient(proxy.address())) {
            c.sendLine("one").sendLine("two").sendLine("three");
            c.shutdownOutput();
            assertEquals(List.of("one\n", "three\n", "two\n"), TestClient.lines(c.readToEnd()));
            assertEquals(1, proxy.stats().faults(Fault.Kind.REORDER), "held once: " + log);
            assertEquals(1, log.stream().filter(l -> l.contains("reorder, held back")).count(), log.toString());
        }
    }

    @Test
    void comingDownTheHellosAckCountsAsTheHelloSoTheHelloSelectorActsOnIt() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = proxy(server, "hello: corrupt byte 0");
             TestClient c = new TestClient(proxy.address())) {
            c.sendFrame(Frame.hello("alice"));
            byte[] expected = FrameCodec.encode(Frame.ack(0, new byte[0]));
            expected[0] ^= (byte) 0xFF;
            assertArrayEquals(expected, c.readExactly(expected.length));
            assertEquals(1, proxy.stats().faults(Fault.Kind.CORRUPT));
        }
    }

    @Test
    void anAckDropWithTheUpDirectionOnlyIsRefusedAtStartNamingItsLine() {
        FaultScript.ScriptException e = assertThrows(FaultScript.ScriptException.class, () -> FaultProxy.builder()
                .upstream(new InetSocketAddress("127.0.0.1", 1)).direction(FaultProxy.Direction.UP)
                .script(FaultScript.parse("faults.txt", "# lose an ACK\nseq 3: ack-drop")).start());
        assertEquals("faults.txt:2: ack-drop loses the reply, which a proxy with --direction up never touches:"
                + " use --direction down or both", e.getMessage());
    }

    @Test
    void withOneDirectionEveryRuleActsOnThatWay() throws Exception {
        try (EchoServer server = EchoServer.builder().onDelivery(delivered::add).start();
             FaultProxy proxy = FaultProxy.builder().upstream(server.address()).direction(FaultProxy.Direction.DOWN)
                     .script(FaultScript.parseOneLine("test", "seq 2: drop")).start();
             TestClient c = helloAndData(proxy, 3)) {
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1), ack(3)), c.readFrames(3));
            c.shutdownOutput();
            assertEquals(0, c.readToEnd().length);
            assertEquals(List.of(1L, 2L, 3L), delivered.stream().map(Delivery::seq).toList(), "going down, only the ACK is lost");
        }
    }

    @Test
    void theSameSeedGivesTheSameFaultsByteForByteThroughTheProxyAsFromTheEchoServer() throws Exception {
        FaultConfig f = FaultConfig.none().withLoss(0.2).withBurst(2).withCorrupt(0.2).withDuplicate(0.1);
        sameAsTheEchoServer(f, FaultProxy.Direction.DOWN);
        // Going up, a lost request is answered by the proxy, a corrupted one echoed as it came:
        // the client sees what the faulty server would have sent (no duplicate here: its second
        // copy would race with the proxy's own answer to the next request).
        sameAsTheEchoServer(FaultConfig.none().withLoss(0.2).withBurst(2).withCorrupt(0.2), FaultProxy.Direction.UP);
    }

    private static void sameAsTheEchoServer(FaultConfig f, FaultProxy.Direction direction) throws Exception {
        List<String> fromServer;
        try (EchoServer faulty = EchoServer.builder().faults(f).seed(42).start()) {
            fromServer = exchange(faulty.address());
        }
        List<String> throughProxy;
        try (EchoServer clean = EchoServer.builder().start();
             FaultProxy proxy = FaultProxy.builder().upstream(clean.address()).faults(f).direction(direction).seed(42).start()) {
            throughProxy = exchange(proxy.address());
        }
        assertEquals(fromServer, throughProxy, direction.toString());
        assertTrue(fromServer.contains("Packet Loss\n"), fromServer.toString());
        assertFalse(fromServer.stream().filter(l -> !l.equals("Packet Loss\n")).allMatch(l -> l.matches("Test\\d+\n")),
                "some reply was corrupted: " + fromServer);
    }

    /** 100 lines one at a time (the same units whatever the timing), then what is left; the replies in order. */
    private static List<String> exchange(InetSocketAddress to) throws Exception {
        try (TestClient c = new TestClient(to)) {
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                c.sendLine("Test" + i);
                got.add(c.readLine());
            }
            c.shutdownOutput();
            got.addAll(TestClient.lines(c.readToEnd()));
            return got;
        }
    }
}
