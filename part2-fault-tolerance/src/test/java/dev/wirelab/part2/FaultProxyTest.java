package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameDecoder;
import dev.wirelab.common.FrameFormatException;
import dev.wirelab.part2.proxy.UnitSplitter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class FaultProxyTest {

    private static FaultProxy proxy(EchoServer upstream, FaultConfig f, FaultProxy.Direction d) throws Exception {
        return FaultProxy.builder().upstream(upstream.address()).faults(f).direction(d).seed(1).start();
    }

    @Test
    void withoutFaultsTheProxyIsTransparentForLinesAndFrames() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = proxy(server, FaultConfig.none(), FaultProxy.Direction.BOTH)) {
            try (TestClient c = new TestClient(proxy.address())) {
                c.sendLine("Test1");
                assertEquals("Test1\n", c.readLine());
            }
            try (TestClient c = new TestClient(proxy.address())) {
                c.sendFrame(Frame.hello("bob")).sendFrame(Frame.data(1, "x".getBytes(StandardCharsets.UTF_8)));
                assertEquals(Frame.ack(1, "x".getBytes(StandardCharsets.UTF_8)), c.readFrames(2).get(1));
            }
            assertEquals(2, proxy.stats().connections());
        }
    }

    @Test
    void downstreamLossReplacesTheServersReplyOnTheWayBack() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = proxy(server, FaultConfig.none().withLoss(1.0), FaultProxy.Direction.DOWN);
             TestClient c = new TestClient(proxy.address())) {
            c.sendLine("Test1");
            assertEquals("Packet Loss\n", c.readLine());
            assertEquals(1, server.stats().messages(), "the request itself reached the server");
        }
    }

    @Test
    void upstreamDropLossMeansTheServerNeverSeesTheRequest() throws Exception {
        FaultConfig f = FaultConfig.none().withLoss(1.0).withLossMode(LossMode.DROP);
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = proxy(server, f, FaultProxy.Direction.UP);
             TestClient c = new TestClient(proxy.address())) {
            c.sendLine("Test1").sendLine("Test2").shutdownOutput();
            assertEquals(0, c.readToEnd().length);
            assertEquals(0, server.stats().messages());
            assertEquals(2, proxy.stats().lost());
        }
    }

    @Test
    void upstreamCorruptionReachesTheServerWhichEchoesItBackUnchanged() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = proxy(server, FaultConfig.none().withCorrupt(1.0), FaultProxy.Direction.UP);
             TestClient c = new TestClient(proxy.address())) {
            c.sendLine("Test1");
            String back = c.readLine();
            assertEquals(6, back.length(), "one byte flipped, the length kept");
            assertTrue(!back.startsWith("Test1") && back.endsWith("\n"), back);
            assertEquals(1, proxy.stats().corrupted());
        }
    }

    @Test
    void downstreamFrameCorruptionIsCaughtByTheClientsChecks() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = proxy(server, FaultConfig.none().withCorrupt(1.0), FaultProxy.Direction.DOWN);
             TestClient c = new TestClient(proxy.address())) {
            c.sendFrame(Frame.data(1, "Test1\n".getBytes(StandardCharsets.UTF_8))).shutdownOutput();
            byte[] got = c.readToEnd();
            assertEquals(FrameCodec.OVERHEAD_BYTES + 6, got.length, "the whole frame passed, one byte flipped");
            assertThrows(FrameFormatException.class, () -> {
                FrameDecoder d = new FrameDecoder();
                d.feed(got);
                d.finish();
            });
        }
    }

    @Test
    void aResetFaultAbortsTheClientsConnection() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = proxy(server, FaultConfig.none().withReset(1.0), FaultProxy.Direction.DOWN);
             TestClient c = new TestClient(proxy.address())) {
            c.sendLine("Test1");
            assertThrows(SocketException.class, c::readToEnd);
            assertEquals(1, proxy.stats().resets());
        }
    }

    @Test
    void delayInBothDirectionsAddsUp() throws Exception {
        Duration d = Duration.ofMillis(150);
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = proxy(server, FaultConfig.none().withDelay(d), FaultProxy.Direction.BOTH);
             PlainLineClient c = PlainLineClient.connect(proxy.address(), Duration.ofSeconds(10))) {
            PlainLineClient.Reply r = c.send("Test1");
            assertTrue(r.intact(), r.toString());
            assertTrue(r.elapsed().compareTo(d.multipliedBy(2)) >= 0, "took " + r.elapsed());
            assertEquals(2, proxy.stats().delayed());
        }
    }

    @Test
    void connectionsThatEndAbnormallyLeaveNothingQueuedBehind() throws Exception {
        HostileInputTest.Watch closes = new HostileInputTest.Watch("closed", 5);
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = FaultProxy.builder().upstream(server.address())
                     .faults(FaultConfig.none().withDelay(Duration.ofSeconds(30))).direction(FaultProxy.Direction.UP)
                     .log(closes).start()) {
            for (int i = 0; i < 5; i++) {
                try (TestClient c = new TestClient(proxy.address())) {
                    c.sendLine("Test" + i);
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (proxy.queuedBytes() == 0 && System.nanoTime() < deadline) {
                        Thread.onSpinWait(); // until the proxy read the line and queued it for 30 s
                    }
                    assertTrue(proxy.queuedBytes() > 0);
                    c.socket.setSoLinger(true, 0); // the client resets while its line waits in the proxy
                }
            }
            closes.await();
            assertEquals(0, proxy.stats().active());
            assertEquals(0, proxy.queuedBytes(), "every closed pair gave its queued replies' budget back");
        }
    }

    @Test
    void anUnreachableUpstreamClosesTheClientWithALogLine() throws Exception {
        HostileInputTest.Watch log = new HostileInputTest.Watch("unreachable");
        java.net.InetSocketAddress dead;
        try (EchoServer s = EchoServer.builder().start()) {
            dead = s.address(); // closed below: nothing listens there any more
        }
        try (FaultProxy proxy = FaultProxy.builder().upstream(dead).log(log).start();
             TestClient c = new TestClient(proxy.address())) {
            assertEquals(0, c.readToEnd().length);
            log.await();
        }
    }

    @Test
    void theSplitterCutsLinesAndFramesIntoWholeUnits() {
        UnitSplitter lines = new UnitSplitter(100);
        assertEquals(0, lines.feed("Te".getBytes(StandardCharsets.US_ASCII), 0, 2).size());
        List<UnitSplitter.Unit> u = lines.feed("st1\nTest2\nTe".getBytes(StandardCharsets.US_ASCII), 0, 12);
        assertEquals(2, u.size());
        assertEquals("Test1\n", new String(u.get(0).bytes(), StandardCharsets.US_ASCII));
        assertEquals(5, u.get(0).corruptible());
        assertEquals("Te", new String(lines.drain(), StandardCharsets.US_ASCII));

        UnitSplitter frames = new UnitSplitter(100);
        byte[] two = new byte[44];
        byte[] f = FrameCodec.encode(Frame.data(7, new byte[6]));
        System.arraycopy(f, 0, two, 0, 22);
        System.arraycopy(f, 0, two, 22, 22);
        List<UnitSplitter.Unit> fu = frames.feed(two, 0, 44);
        assertEquals(2, fu.size());
        assertEquals(UnitSplitter.Mode.FRAMES, frames.mode());
        assertEquals(Frame.error(7, "Packet Loss"), decode(fu.get(0).lossReplacement()));
    }

    @Test
    void aLineArrivingOneByteAtATimeIsStillOneUnit() {
        UnitSplitter lines = new UnitSplitter(100);
        byte[] text = "Test1\r\nTest2\n".getBytes(StandardCharsets.US_ASCII);
        List<String> got = new java.util.ArrayList<>();
        for (int i = 0; i < text.length; i++) {
            for (UnitSplitter.Unit u : lines.feed(text, i, 1)) {
                got.add(new String(u.bytes(), StandardCharsets.US_ASCII));
            }
        }
        assertEquals(List.of("Test1\r\n", "Test2\n"), got);
        assertEquals(0, lines.drain().length);
    }

    private static Frame decode(byte[] b) {
        try {
            return FrameCodec.decode(b);
        } catch (FrameFormatException e) {
            throw new AssertionError(e);
        }
    }
}
