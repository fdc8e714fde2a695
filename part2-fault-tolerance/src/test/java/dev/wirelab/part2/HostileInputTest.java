package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad clients get one log line and their connection closed; everyone else is served on. */
@Timeout(60)
class HostileInputTest {

    /** Collects log lines and lets a test wait for one containing a text. */
    static final class Watch implements Consumer<String> {
        final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final String wanted;
        final CountDownLatch seen;

        Watch(String wanted) {
            this(wanted, 1);
        }

        /** Waits for {@code times} lines with {@code wanted}. */
        Watch(String wanted, int times) {
            this.wanted = wanted;
            this.seen = new CountDownLatch(times);
        }

        @Override
        public void accept(String line) {
            lines.add(line);
            if (line.contains(wanted)) {
                seen.countDown();
            }
        }

        void await() throws InterruptedException {
            assertTrue(seen.await(20, TimeUnit.SECONDS), "no log line with '" + wanted + "' in " + lines);
        }
    }

    private static void assertStillServes(EchoServer server) throws IOException {
        try (TestClient c = new TestClient(server.address())) {
            c.sendLine("still there?");
            assertEquals("still there?\n", c.readLine());
        }
    }

    @Test
    void anErrorWhileServingOneClientEndsThatConnectionButNoEventLoop() throws Exception {
        Watch log = new Watch("internal error");
        try (EchoServer server = EchoServer.builder().log(log)
                .onDelivery(d -> {
                    throw new OutOfMemoryError("simulated, while delivering");
                }).start()) {
            try (TestClient bad = new TestClient(server.address())) {
                bad.sendFrame(Frame.data(1, "x".getBytes(StandardCharsets.UTF_8)));
                try {
                    assertEquals(0, bad.readToEnd().length, "that connection is closed");
                } catch (SocketException reset) {
                    // closed with a reset: as good, the point is that it ends
                }
            }
            log.await();
            // More clients than there are loops: each loop, including the one that met the Error, serves.
            int clients = 4 * Runtime.getRuntime().availableProcessors() + 1;
            for (int i = 0; i < clients; i++) {
                try (TestClient c = new TestClient(server.address())) {
                    c.socket.setSoTimeout(5_000);
                    c.sendLine("client " + i);
                    assertEquals("client " + i + "\n", c.readLine());
                }
            }
        }
    }

    @Test
    void binaryDataIsEchoedByteForByte() throws Exception {
        byte[] all = new byte[256 * 4 + 1];
        for (int i = 0; i < all.length - 1; i++) {
            all[i] = (byte) i;
        }
        all[all.length - 1] = '\n';
        try (EchoServer server = EchoServer.builder().start();
             TestClient c = new TestClient(server.address())) {
            c.send(all).shutdownOutput();
            assertArrayEquals(all, c.readToEnd());
            assertStillServes(server);
        }
    }

    @Test
    void invalidUtf8IsEchoedAndLoggedEscaped() throws Exception {
        Watch log = new Watch("\\xff\\xfe");
        byte[] line = {'a', (byte) 0xff, (byte) 0xfe, 'b', '\n'};
        try (EchoServer server = EchoServer.builder().log(log).start();
             TestClient c = new TestClient(server.address())) {
            c.send(line).shutdownOutput();
            assertArrayEquals(line, c.readToEnd());
            log.await();
        }
    }

    @Test
    void aLineOverTheLimitClosesOnlyThatConnection() throws Exception {
        Watch log = new Watch("line longer than 1024 bytes");
        try (EchoServer server = EchoServer.builder().maxFrame(1024).log(log).start();
             TestClient good = new TestClient(server.address());
             TestClient bad = new TestClient(server.address())) {
            good.sendLine("before");
            assertEquals("before\n", good.readLine());
            byte[] longLine = new byte[5000];
            Arrays.fill(longLine, (byte) 'x');
            bad.send(longLine);
            log.await();
            assertEquals(1, server.stats().rejected());
            good.sendLine("after");
            assertEquals("after\n", good.readLine());
        }
    }

    @Test
    void withDelayTheEchoesOwedBeforeAnOverlongLineStillArriveBeforeTheError() throws Exception {
        echoesBeforeAnOverlongLine(false);
    }

    @Test
    void withDelayTheEchoesOwedBeforeAnOverlongLineArriveEvenIfTheClientHalfClosesAfterIt() throws Exception {
        // As `printf ... | nc -N` does: the over-long line, then EOF, while the echoes are still delayed.
        echoesBeforeAnOverlongLine(true);
    }

    private void echoesBeforeAnOverlongLine(boolean halfClose) throws Exception {
        try (EchoServer server = EchoServer.builder().maxFrame(1024)
                .faults(FaultConfig.none().withDelay(Duration.ofMillis(300))).start();
             TestClient c = new TestClient(server.address())) {
            byte[] longLine = new byte[5000];
            Arrays.fill(longLine, (byte) 'x');
            c.send(("first\nsecond\n" + new String(longLine, StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII));
            if (halfClose) {
                c.socket.shutdownOutput();
            }
            List<String> got = TestClient.lines(c.readToEnd());
            assertEquals(3, got.size(), got.toString());
            assertEquals("first\n", got.get(0));
            assertEquals("second\n", got.get(1));
            assertTrue(got.get(2).startsWith("error: line longer than 1024 bytes"), got.get(2));
        }
    }

    @Test
    void aFrameLengthOverTheLimitClosesTheConnectionWithoutAllocatingIt() throws Exception {
        Watch log = new Watch("LENGTH_TOO_LARGE");
        byte[] header = Arrays.copyOf(FrameCodec.encode(Frame.data(1, new byte[0])), 12);
        header[8] = 0x7f; // length 2 GB
        try (EchoServer server = EchoServer.builder().maxFrame(1024).log(log).start();
             TestClient c = new TestClient(server.address())) {
            c.send(header);
            log.await();
            assertEquals(0, c.readToEnd().length);
            assertStillServes(server);
        }
    }

    @Test
    void aFrameWithABadChecksumClosesTheConnection() throws Exception {
        Watch log = new Watch("CRC_MISMATCH");
        byte[] frame = FrameCodec.encode(Frame.data(1, "Test1\n".getBytes(StandardCharsets.UTF_8)));
        frame[14] ^= 0x01;
        try (EchoServer server = EchoServer.builder().log(log).start();
             TestClient c = new TestClient(server.address())) {
            c.sendFrame(Frame.hello("alice"));
            assertEquals(Frame.ack(0, new byte[0]), c.readFrame());
            c.send(frame);
            log.await();
            assertEquals(0, server.stats().delivered());
            assertStillServes(server);
        }
    }

    @Test
    void aGoodFrameInTheSameReadAsABadOneIsStillDeliveredAndAcknowledged() throws Exception {
        goodFrameThenBadOne(FaultConfig.none());
    }

    @Test
    void withDelayAGoodFrameBeforeABadOneStillGetsItsDelayedAck() throws Exception {
        goodFrameThenBadOne(FaultConfig.none().withDelay(Duration.ofMillis(100)));
    }

    private void goodFrameThenBadOne(FaultConfig faults) throws Exception {
        Watch log = new Watch("CRC_MISMATCH");
        byte[] good = FrameCodec.encode(Frame.data(1, "Test1\n".getBytes(StandardCharsets.UTF_8)));
        byte[] bad = FrameCodec.encode(Frame.data(2, "Test2\n".getBytes(StandardCharsets.UTF_8)));
        bad[14] ^= 0x01;
        byte[] both = Arrays.copyOf(good, good.length + bad.length);
        System.arraycopy(bad, 0, both, good.length, bad.length);
        try (EchoServer server = EchoServer.builder().faults(faults).log(log).start();
             TestClient c = new TestClient(server.address())) {
            c.sendFrame(Frame.hello("alice"));
            assertEquals(Frame.ack(0, new byte[0]), c.readFrame());
            c.send(both);
            assertEquals(Frame.ack(1, "Test1\n".getBytes(StandardCharsets.UTF_8)), c.readFrame());
            log.await();
            assertEquals(1, server.stats().delivered());
        }
    }

    @Test
    void garbageAfterTheMagicClosesTheConnection() throws Exception {
        Watch log = new Watch("invalid frame");
        try (EchoServer server = EchoServer.builder().log(log).start();
             TestClient c = new TestClient(server.address())) {
            c.send(new byte[]{0x57, 0x4C, 0x01, 0x7F, 0, 0, 0, 0});
            log.await();
            assertEquals(0, c.readToEnd().length);
        }
    }

    @Test
    void anIdleClientIsDisconnectedAfterTheIdleTimeout() throws Exception {
        Watch log = new Watch("idle for");
        try (EchoServer server = EchoServer.builder().idleTimeout(Duration.ofMillis(200)).log(log).start();
             TestClient c = new TestClient(server.address())) {
            assertEquals(0, c.readToEnd().length, "the server closed the silent connection");
            log.await();
            assertEquals(1, server.stats().rejected());
        }
    }

    @Test
    void aClientVanishingMidLineIsLoggedAndForgotten() throws Exception {
        Watch log = new Watch("in the middle of a line");
        try (EchoServer server = EchoServer.builder().log(log).start()) {
            try (TestClient c = new TestClient(server.address())) {
                c.send("half a mess".getBytes(StandardCharsets.US_ASCII));
            }
            log.await();
            assertStillServes(server);
        }
    }

    @Test
    void aClientVanishingMidFrameWithAResetIsLoggedAndForgotten() throws Exception {
        Watch log = new Watch("closed");
        try (EchoServer server = EchoServer.builder().log(log).start()) {
            byte[] frame = FrameCodec.encode(Frame.data(1, new byte[100]));
            TestClient c = new TestClient(server.address());
            c.send(Arrays.copyOf(frame, 40));
            c.socket.setSoLinger(true, 0);
            c.close(); // RST mid-frame
            log.await();
            assertEquals(0, server.stats().delivered());
            assertStillServes(server);
        }
    }

    @Test
    @SuppressWarnings("try") // the hog is closed early to unblock its flooding thread
    void aClientThatStopsReadingDoesNotStallTheOthers() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             TestClient hog = new TestClient(server.address())) {
            // The hog sends far more than the socket buffers hold and never reads: its own
            // connection backs up (the server stops reading from it) while others are served.
            CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
                byte[] chunk = ("x".repeat(1000) + "\n").repeat(64).getBytes(StandardCharsets.US_ASCII);
                try {
                    for (int i = 0; i < 2000; i++) {
                        hog.send(chunk);
                    }
                } catch (IOException e) {
                    // the test closes the hog while this is blocked
                }
            });
            assertStillServes(server);
            hog.close();
            flood.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void fiveHundredConcurrentConnectionsAreAllServed() throws Exception {
        int n = 500;
        try (EchoServer server = EchoServer.builder().start()) {
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    clients.add(new TestClient(server.address()));
                }
                for (int i = 0; i < n; i++) {
                    clients.get(i).sendLine("client " + i);
                }
                for (int i = 0; i < n; i++) {
                    assertEquals("client " + i + "\n", clients.get(i).readLine());
                }
                assertEquals(n, server.stats().connections());
                assertEquals(n, server.stats().active());
            } finally {
                for (TestClient c : clients) {
                    c.close();
                }
            }
        }
    }

    @Test
    void fiveHundredConcurrentDelayedConnectionsAreAnsweredTogether() throws Exception {
        int n = 500;
        FaultConfig f = FaultConfig.none().withDelay(Duration.ofMillis(100));
        try (EchoServer server = EchoServer.builder().faults(f).start()) {
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    clients.add(new TestClient(server.address()).sendLine("client " + i));
                }
                for (int i = 0; i < n; i++) {
                    assertEquals("client " + i + "\n", clients.get(i).readLine());
                }
                assertEquals(n, server.stats().delayed());
            } finally {
                for (TestClient c : clients) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aResetClientDuringADelayedReplyDoesNotHurtTheServer() throws Exception {
        Watch log = new Watch("closed");
        FaultConfig f = FaultConfig.none().withDelay(Duration.ofMillis(200));
        try (EchoServer server = EchoServer.builder().faults(f).log(log).start()) {
            TestClient c = new TestClient(server.address());
            c.sendLine("Test1");
            c.socket.setSoLinger(true, 0);
            c.close();
            log.await();
            assertStillServes(server);
        } catch (SocketException e) {
            throw new AssertionError(e);
        }
    }
}
