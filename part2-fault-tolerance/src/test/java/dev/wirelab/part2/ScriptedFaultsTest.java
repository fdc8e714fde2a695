package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each selector and action of a fault script: a test client sees exactly the scripted event and nothing else. */
@Timeout(30)
class ScriptedFaultsTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private final List<Delivery> delivered = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();

    private EchoServer server(String script) throws Exception {
        return server(script, FaultConfig.none());
    }

    private EchoServer server(String script, FaultConfig rates) throws Exception {
        return EchoServer.builder().faults(rates).seed(1).script(FaultScript.parseOneLine("test", script))
                .onDelivery(delivered::add).log(log::add).start();
    }

    private static Frame ack(long seq) {
        return Frame.ack(seq, bytes("m" + seq));
    }

    /** HELLO, then DATA 1..n pipelined. */
    private static TestClient helloAndData(EchoServer s, int n) throws Exception {
        return TestClient.helloAndData(s.address(), "alice", n);
    }

    @Test
    void ackDropDeliversMessageThreeLosesItsAckAndTheRetransmissionIsSuppressed() throws Exception {
        try (EchoServer s = server("seq 3: ack-drop"); TestClient c = helloAndData(s, 4)) {
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1), ack(2), ack(4)), c.readFrames(4));
            c.sendFrame(Frame.data(3, bytes("m3")));
            assertEquals(ack(3), c.readFrame());
            assertEquals(List.of(1L, 2L, 3L, 4L), delivered.stream().map(Delivery::seq).toList());
            assertEquals(1, s.stats().duplicatesSuppressed());
            assertEquals(1, s.stats().faults(Fault.Kind.ACK_DROP));
            assertTrue(log.stream().anyMatch(l -> l.contains("reply to seq=3: ack-drop, delivered but the reply is lost (script test:1)")), log.toString());
        }
    }

    @Test
    void dropLosesTheRequestSoTheRetransmissionIsTheFirstDelivery() throws Exception {
        try (EchoServer s = server("seq 2: drop"); TestClient c = helloAndData(s, 3)) {
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1), ack(3)), c.readFrames(3));
            c.sendFrame(Frame.data(2, bytes("m2")));
            assertEquals(ack(2), c.readFrame());
            assertEquals(List.of(1L, 3L, 2L), delivered.stream().map(Delivery::seq).toList());
            assertEquals(0, s.stats().duplicatesSuppressed());
        }
    }

    @Test
    void errorAnswersPacketLossAndDoesNotDeliver() throws Exception {
        try (EchoServer s = server("seq 2: error"); TestClient c = helloAndData(s, 3)) {
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1), Frame.error(2, "Packet Loss"), ack(3)), c.readFrames(4));
            assertEquals(List.of(1L, 3L), delivered.stream().map(Delivery::seq).toList());
        }
    }

    @Test
    void seqWithAnArrivalCountHitsTheFirstRetransmissionOnlyAlsoAfterAReconnect() throws Exception {
        try (EchoServer s = server("seq 3 #2: drop")) {
            try (TestClient c = helloAndData(s, 3)) {
                assertEquals(ack(3), c.readFrames(4).get(3)); // first copy: clean
            }
            try (TestClient c = new TestClient(s.address())) {
                c.sendFrame(Frame.hello("alice")).sendFrame(Frame.data(3, bytes("m3"))).sendFrame(Frame.data(3, bytes("m3")));
                assertEquals(List.of(Frame.ack(0, new byte[0]), ack(3)), c.readFrames(2)); // #2 dropped, #3 answered
                c.shutdownOutput();
                assertEquals(0, c.readToEnd().length);
            }
        }
    }

    @Test
    void aLostCopyOfADeliveredMessageIsLoggedAsThisCopyNotAsTheMessage() throws Exception {
        try (EchoServer s = server("seq 1 #2: drop; seq 2: drop"); TestClient c = helloAndData(s, 1)) {
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1)), c.readFrames(2));
            c.sendFrame(Frame.data(1, bytes("m1"))).sendFrame(Frame.data(2, bytes("m2"))).sendFrame(Frame.data(3, bytes("m3")));
            assertEquals(ack(3), c.readFrame());
            assertEquals(List.of(1L, 3L), delivered.stream().map(Delivery::seq).toList());
            assertTrue(log.stream().anyMatch(l -> l.endsWith(" lost seq=1 from alice, this copy not delivered (an earlier copy was)")), log.toString());
            assertTrue(log.stream().anyMatch(l -> l.endsWith(" lost seq=2 from alice, not delivered")), log.toString());
        }
    }

    @Test
    void corruptByteKFlipsExactlyThatByteOfTheReply() throws Exception {
        try (EchoServer s = server("seq 1: corrupt byte 4"); TestClient c = new TestClient(s.address())) {
            c.sendFrame(Frame.data(1, bytes("m1")));
            byte[] expected = FrameCodec.encode(ack(1));
            expected[4] ^= (byte) 0xFF;
            assertArrayEquals(expected, c.readExactly(expected.length));
        }
    }

    @Test
    void corruptWithoutAByteFlipsExactlyOneRandomByteOfTheReplyAndLogsWhich() throws Exception {
        try (EchoServer s = server("seq 1: corrupt"); TestClient c = new TestClient(s.address())) {
            c.sendFrame(Frame.data(1, bytes("m1"))).sendFrame(Frame.data(2, bytes("m2")));
            byte[] clean = FrameCodec.encode(ack(1));
            byte[] got = c.readExactly(clean.length);
            List<Integer> flipped = new java.util.ArrayList<>();
            for (int i = 0; i < clean.length; i++) {
                if (got[i] != clean[i]) {
                    flipped.add(i);
                    assertEquals((byte) ~clean[i], got[i], "every bit of byte " + i + " inverted");
                }
            }
            assertEquals(1, flipped.size(), "one byte: " + flipped);
            assertEquals(ack(2), c.readFrame(), "the rule fired once");
            int k = flipped.get(0);
            assertTrue(log.stream().anyMatch(l -> l.contains("reply to seq=1: corrupt, byte " + k + " flipped")
                    && l.endsWith("(script test:1)")), log.toString());
        }
    }

    @Test
    void duplicateSendsTheReplyTwice() throws Exception {
        try (EchoServer s = server("seq 2: duplicate"); TestClient c = helloAndData(s, 3)) {
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1), ack(2), ack(2), ack(3)), c.readFrames(5));
        }
    }

    @Test
    void resetAbortsTheConnectionInsteadOfTheReply() throws Exception {
        // DATA 2 is the last one sent: a write after it could meet the reset.
        try (EchoServer s = server("seq 2: reset"); TestClient c = helloAndData(s, 2)) {
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1)), c.readFrames(2));
            assertThrows(SocketException.class, c::readToEnd);
            assertEquals(1, s.stats().resets());
        }
    }

    @Test
    void reorderSendsTheReplyAfterTheNextOne() throws Exception {
        try (EchoServer s = server("seq 2: reorder"); TestClient c = helloAndData(s, 3)) {
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1), ack(3), ack(2)), c.readFrames(4));
        }
    }

    @SuppressWarnings("try") // the server is closed inside its try on purpose, to read its final events
    @Test
    void delayHoldsOnlyThatReplyAndTheOrderIsKept() throws Exception {
        List<ServerEvent> events = new CopyOnWriteArrayList<>();
        try (EchoServer s = EchoServer.builder().script(FaultScript.parse("test", "seq 2: delay 300ms")).observer(events::add).start();
             TestClient c = helloAndData(s, 3)) {
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1), ack(2), ack(3)), c.readFrames(4));
            s.close(); // the loop has ended: the event written right after the reply is recorded
            long arrived = events.stream().filter(e -> e instanceof ServerEvent.DataArrived d && d.seq() == 2).findFirst().orElseThrow().at();
            long sent = events.stream().filter(e -> e instanceof ServerEvent.ReplySent r && r.seq() == 2).findFirst().orElseThrow().at();
            assertTrue(sent - arrived >= Duration.ofMillis(300).toNanos(), "left after " + (sent - arrived) / 1e6 + " ms");
            assertEquals(1, s.stats().delayed());
        }
    }

    @SuppressWarnings("try") // the server is closed inside its try on purpose, to read its final events
    @Test
    void stallSendsNothingOnTheConnectionForItsDuration() throws Exception {
        List<ServerEvent> events = new CopyOnWriteArrayList<>();
        try (EchoServer s = EchoServer.builder().script(FaultScript.parse("test", "seq 1: stall 300ms")).observer(events::add).start();
             TestClient c = new TestClient(s.address())) {
            c.sendFrame(Frame.data(1, bytes("m1")));
            assertEquals(ack(1), c.readFrame());
            c.sendFrame(Frame.data(2, bytes("m2")));
            assertEquals(ack(2), c.readFrame());
            s.close();
            long arrived = events.stream().filter(e -> e instanceof ServerEvent.DataArrived d && d.seq() == 1).findFirst().orElseThrow().at();
            for (ServerEvent e : events) {
                if (e instanceof ServerEvent.ReplySent r) {
                    assertTrue(r.at() - arrived >= Duration.ofMillis(300).toNanos(), "reply to " + r.seq() + " during the stall");
                }
            }
        }
    }

    @Test
    void aBareHelloSelectorHitsTheServersFirstHelloOnly() throws Exception {
        try (EchoServer s = server("hello: error")) {
            try (TestClient c = new TestClient(s.address())) {
                c.sendFrame(Frame.hello("a")).sendFrame(Frame.hello("a"));
                assertEquals(List.of(Frame.error(0, "Packet Loss"), Frame.ack(0, new byte[0])), c.readFrames(2));
            }
            try (TestClient c = new TestClient(s.address())) {
                c.sendFrame(Frame.hello("b"));
                assertEquals(Frame.ack(0, new byte[0]), c.readFrame());
            }
            assertEquals(1, s.stats().faults(Fault.Kind.ERROR));
        }
    }

    @Test
    void helloSelectorsPickTheKthHelloOfTheServer() throws Exception {
        try (EchoServer s = server("hello #2: error")) {
            try (TestClient c = new TestClient(s.address())) {
                c.sendFrame(Frame.hello("a"));
                assertEquals(Frame.ack(0, new byte[0]), c.readFrame());
            }
            try (TestClient c = new TestClient(s.address())) {
                c.sendFrame(Frame.hello("b")).sendFrame(Frame.hello("b"));
                assertEquals(List.of(Frame.error(0, "Packet Loss"), Frame.ack(0, new byte[0])), c.readFrames(2));
            }
        }
    }

    @Test
    void replyNCountsRequestsInLineModeAndEveryRepeatsIt() throws Exception {
        try (EchoServer s = server("every reply 2: error"); TestClient c = new TestClient(s.address())) {
            for (int i = 1; i <= 5; i++) {
                c.sendLine("Test" + i);
            }
            c.shutdownOutput();
            assertEquals(List.of("Test1\n", "Packet Loss\n", "Test3\n", "Packet Loss\n", "Test5\n"), TestClient.lines(c.readToEnd()));
        }
    }

    @Test
    void replyNCountsHellosAndDataAlikeInFrameMode() throws Exception {
        try (EchoServer s = server("reply 3: duplicate"); TestClient c = helloAndData(s, 3)) {
            // HELLO is request 1, DATA 1 request 2, DATA 2 request 3.
            assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1), ack(2), ack(2), ack(3)), c.readFrames(5));
            c.shutdownOutput();
            assertEquals(0, c.readToEnd().length, "nothing else");
        }
    }

    @Test
    void afterTHitsTheFirstReplyToARequestThatCameThatLongAfterTheConnectionOpened() throws Exception {
        // T is a second, not less: 'early' must reach the server before the connection is T old,
        // and a loaded machine (CI) can hold a thread up for a few hundred milliseconds.
        try (EchoServer s = server("after 1s: error"); TestClient c = new TestClient(s.address())) {
            c.sendLine("early");
            assertEquals("early\n", c.readLine());
            Thread.sleep(1_050); // lets the connection's age pass T; no server is waited for
            c.sendLine("late").sendLine("later");
            assertEquals("Packet Loss\n", c.readLine());
            assertEquals("later\n", c.readLine());
        }
    }

    @Test
    void everySeqHitsEachClientsFirstCopy() throws Exception {
        try (EchoServer s = server("every seq 1: drop")) {
            for (String id : List.of("a", "b")) {
                try (TestClient c = new TestClient(s.address())) {
                    c.sendFrame(Frame.hello(id)).sendFrame(Frame.data(1, bytes("m1"))).sendFrame(Frame.data(1, bytes("m1")));
                    assertEquals(List.of(Frame.ack(0, new byte[0]), ack(1)), c.readFrames(2));
                }
            }
            assertEquals(2, s.stats().faults(Fault.Kind.DROP));
        }
    }

    @Test
    void theScriptWinsOverTheRatesForTheEventsItNames() throws Exception {
        try (EchoServer s = server("seq 2: duplicate", FaultConfig.none().withLoss(1.0)); TestClient c = new TestClient(s.address())) {
            c.sendFrame(Frame.data(1, bytes("m1"))).sendFrame(Frame.data(2, bytes("m2"))).sendFrame(Frame.data(3, bytes("m3")));
            assertEquals(List.of(Frame.error(1, "Packet Loss"), ack(2), ack(2), Frame.error(3, "Packet Loss")), c.readFrames(4));
        }
    }
}
