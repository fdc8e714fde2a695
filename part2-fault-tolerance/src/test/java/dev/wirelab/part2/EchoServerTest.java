package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameDecoder;
import dev.wirelab.common.FrameType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

@Timeout(30)
class EchoServerTest {

    @Test
    void aLineIsEchoedBackUnchanged() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             TestClient c = new TestClient(server.address())) {
            c.sendLine("Test1");
            assertEquals("Test1\n", c.readLine());
            assertEquals(1, server.stats().messages());
        }
    }

    @Test
    void anIdleConnectionCostsTheServerAlmostNoCpuAfterABurstOfTraffic() throws Exception {
        // After traffic a loop sleeps in epoll_wait: an idle server must not keep a core busy.
        // The idle stretch is the server's own: it ends when the idle timeout closes the
        // connection.
        try (EchoServer server = EchoServer.builder().idleTimeout(Duration.ofMillis(500)).start();
             TestClient c = new TestClient(server.address())) {
            long t0 = 0;
            for (int i = 0; i < 100; i++) {
                // Before the last request: the server reads it after this, so its idle stretch,
                // which starts at that read, starts after t0 however late this thread runs.
                t0 = System.nanoTime();
                c.sendLine("burst " + i);
                assertEquals("burst " + i + "\n", c.readLine());
            }
            String loops = "echo-loop-" + server.port() + "-";
            long before = loopCpuNanos(loops);
            c.socket.setSoTimeout(5000);
            try {
                assertEquals(0, c.readToEnd().length, "the idle connection is closed without a word");
            } catch (SocketTimeoutException e) {
                fail("the idle connection was still open after 5 s: the loop never got to its idle sweep");
            }
            long idleMs = (System.nanoTime() - t0) / 1_000_000;
            long used = loopCpuNanos(loops) - before;
            // Polling non-stop would use about the whole idle stretch; sleeping in epoll_wait
            // (waking for the idle sweep) uses well under a millisecond.
            assertTrue(idleMs >= 500, "closed after only " + idleMs + " ms");
            assertTrue(used < 50_000_000L, "the event loops used " + used / 1_000_000 + " ms of CPU in " + idleMs + " ms of idleness");
        }
    }

    @Test
    void aClientConnectingJustAfterTrafficIsServedAndTheServerStopsAtOnce() throws Exception {
        // One loop and no idle sweeps: only the new connection's own wake-up gets the loop to
        // register it, and only close()'s wake-up ends it. Connecting and closing right after an
        // echo must not be swallowed by the loop's select (it once polled there).
        for (int round = 0; round < 20; round++) {
            EchoServer server = EchoServer.builder().eventLoops(1).idleTimeout(Duration.ZERO).start();
            try (TestClient a = new TestClient(server.address())) {
                for (int i = 0; i < 20; i++) {
                    a.sendLine("ping " + i);
                    assertEquals("ping " + i + "\n", a.readLine());
                    try (TestClient b = new TestClient(server.address())) {
                        b.socket.setSoTimeout(2000);
                        b.sendLine("new " + i);
                        assertEquals("new " + i + "\n", b.readLine());
                    }
                }
                a.sendLine("last");
                assertEquals("last\n", a.readLine());
            }
            String loop = "echo-loop-" + server.port() + "-";
            server.close();
            // close() waits (up to 2 s) for the loop to end; a loop asleep in select with no
            // timer (no idle sweep) would sleep through it and still be alive now.
            assertEquals(0, liveThreads(loop), "the loop slept through its shutdown");
        }
    }

    private static long liveThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive()).count();
    }

    private static long loopCpuNanos(String prefix) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        int seen = 0;
        for (long id : mx.getAllThreadIds()) {
            ThreadInfo info = mx.getThreadInfo(id);
            if (info != null && info.getThreadName().startsWith(prefix)) {
                sum += mx.getThreadCpuTime(id);
                seen++;
            }
        }
        assertTrue(seen > 0, "no event loop thread named " + prefix + "*");
        return sum;
    }

    @Test
    void theServerListensOnTheLoopbackPortItReports() throws Exception {
        try (EchoServer server = EchoServer.builder().start()) {
            assertTrue(server.port() > 0);
            assertEquals(server.port(), server.address().getPort());
            assertTrue(server.address().getAddress().isLoopbackAddress());
        }
    }

    @Test
    void pipelinedLinesComeBackInOrderAndTheConnectionClosesAfterEof() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             TestClient c = new TestClient(server.address())) {
            StringBuilder sent = new StringBuilder();
            for (int i = 0; i < 1000; i++) {
                sent.append("message ").append(i).append('\n');
            }
            c.send(sent.toString().getBytes(StandardCharsets.UTF_8)).shutdownOutput();
            assertEquals(sent.toString(), new String(c.readToEnd(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aConnectionStartingWithTheMagicSpeaksFramesOnTheSamePort() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             TestClient c = new TestClient(server.address())) {
            c.sendFrame(Frame.hello("alice"));
            assertEquals(Frame.ack(0, new byte[0]), c.readFrame());
            c.sendFrame(Frame.data(1, "Test1\n".getBytes(StandardCharsets.UTF_8)));
            Frame ack = c.readFrame();
            assertEquals(FrameType.ACK, ack.type());
            assertEquals(1, ack.seq());
            assertArrayEquals("Test1\n".getBytes(StandardCharsets.UTF_8), ack.payload());
        }
    }

    @Test
    void aLineStartingWithWIsStillALine() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             TestClient c = new TestClient(server.address())) {
            c.sendLine("WLAN is not a frame");
            assertEquals("WLAN is not a frame\n", c.readLine());
        }
    }

    @Test
    void aRetransmittedDataIsAcknowledgedAgainButDeliveredOnceAcrossReconnects() throws Exception {
        List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        List<String> log = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().onDelivery(deliveries::add).log(log::add).start()) {
            try (TestClient c = new TestClient(server.address())) {
                c.sendFrame(Frame.hello("alice"))
                        .sendFrame(Frame.data(1, bytes("one")))
                        .sendFrame(Frame.data(2, bytes("two")));
                assertEquals(3, c.readFrames(3).size());
            }
            try (TestClient c = new TestClient(server.address())) {
                c.sendFrame(Frame.hello("alice"))
                        .sendFrame(Frame.data(2, bytes("two")))
                        .sendFrame(Frame.data(3, bytes("three")));
                List<Frame> replies = c.readFrames(3);
                assertEquals(Frame.ack(2, bytes("two")), replies.get(1));
                assertEquals(Frame.ack(3, bytes("three")), replies.get(2));
            }
            assertEquals(List.of(1L, 2L, 3L), deliveries.stream().map(Delivery::seq).toList());
            assertTrue(deliveries.stream().allMatch(d -> d.clientId().equals("alice")));
            assertEquals(3, server.stats().delivered());
            assertEquals(1, server.stats().duplicatesSuppressed());
            assertTrue(log.stream().anyMatch(l -> l.contains("delivered seq=2 from alice")));
            assertTrue(log.stream().anyMatch(l -> l.contains("duplicate seq=2 from alice, acknowledged again")));
        }
    }

    @Test
    void differentClientIdsHaveTheirOwnSequenceNumbers() throws Exception {
        List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().onDelivery(deliveries::add).start()) {
            for (String id : List.of("alice", "bob")) {
                try (TestClient c = new TestClient(server.address())) {
                    c.sendFrame(Frame.hello(id)).sendFrame(Frame.data(1, bytes(id)));
                    c.readFrames(2);
                }
            }
            assertEquals(2, deliveries.size());
        }
    }

    @Test
    void withoutHelloEachConnectionIsItsOwnClient() throws Exception {
        List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().onDelivery(deliveries::add).start()) {
            for (int i = 0; i < 2; i++) {
                try (TestClient c = new TestClient(server.address())) {
                    c.sendFrame(Frame.data(1, bytes("x")));
                    assertEquals(Frame.ack(1, bytes("x")), c.readFrame());
                }
            }
            assertEquals(2, deliveries.size());
            assertTrue(deliveries.get(0).clientId().matches("#\\d+ 127\\.0\\.0\\.1:\\d+"), deliveries.get(0).clientId());
        }
    }

    @Test
    void aNewClientOnAReusedPortIsNotMistakenForTheOldOne() throws Exception {
        List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().onDelivery(deliveries::add).start()) {
            int localPort = -1;
            for (int i = 0; i < 2; i++) {
                try (Socket s = new Socket()) {
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress("127.0.0.1", i == 0 ? 0 : localPort));
                    localPort = s.getLocalPort();
                    s.connect(server.address(), 5000);
                    s.setSoTimeout(20_000);
                    s.getOutputStream().write(FrameCodec.encode(Frame.data(1, bytes("client " + i))));
                    FrameDecoder d = new FrameDecoder(1024);
                    byte[] buf = new byte[256];
                    List<Frame> got = new ArrayList<>();
                    while (got.isEmpty()) {
                        int n = s.getInputStream().read(buf);
                        assertTrue(n > 0, "no ACK");
                        got.addAll(d.feed(buf, 0, n));
                    }
                    assertEquals(Frame.ack(1, bytes("client " + i)), got.get(0));
                    // RST: neither side keeps the port in TIME_WAIT, so the next client gets the same one
                    s.setSoLinger(true, 0);
                }
            }
            assertEquals(2, deliveries.size(), "the second client's seq=1 was acknowledged, so it must be delivered: " + deliveries);
            assertEquals("client 1", new String(deliveries.get(1).payload(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void dataWithSeqZeroIsAnsweredWithAnError() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             TestClient c = new TestClient(server.address())) {
            c.sendFrame(Frame.data(0, bytes("x")));
            Frame reply = c.readFrame();
            assertEquals(FrameType.ERROR, reply.type());
            assertEquals(0, server.stats().delivered());
        }
    }

    @Test
    void closeIsIdempotentAndEndsOpenConnections() throws Exception {
        EchoServer server = EchoServer.builder().start();
        try (TestClient c = new TestClient(server.address())) {
            c.sendLine("hi");
            assertEquals("hi\n", c.readLine());
            server.close();
            server.close();
            assertEquals(0, c.readToEnd().length);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
