package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.part2.fault.ReplyQueue;
import dev.wirelab.part2.server.DeliveryLedger;
import dev.wirelab.part2.server.EchoConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The limits a server on a shared network needs (issue 12): what one peer can hold, and what a log line shows. */
@Timeout(60)
class HardeningTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** No character a terminal acts on or that reorders text: C0/C1 controls, DEL, bidi and other format characters. */
    static void assertPrintable(String line) {
        line.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            assertFalse(type == Character.CONTROL || type == Character.FORMAT,
                    String.format("U+%04X in log line: %s", cp, line));
        });
    }

    @SuppressWarnings("try") // the server is closed inside its try on purpose, to read its final events
    @Test
    void peerSuppliedHelloIdsAreEscapedInEveryLogLine() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        String evil = "x\n12:00:00.000 #9 forged line\r\u001b[2J\u009b\u202e";
        try (EchoServer server = EchoServer.builder().log(log::add).start()) {
            for (int i = 0; i < 2; i++) { // the second time it is a duplicate
                try (TestClient c = new TestClient(server.address())) {
                    c.sendFrame(Frame.hello(evil)).sendFrame(Frame.data(1, bytes("x")));
                    c.readFrames(2);
                }
            }
            try (TestClient c = new TestClient(server.address())) {
                c.sendFrame(Frame.hello("good")).sendFrame(Frame.hello(evil));
                c.readFrames(2);
            }
            server.close();
            assertTrue(log.stream().anyMatch(l -> l.contains("delivered seq=1 from x\\n12:00")), log.toString());
            assertTrue(log.stream().anyMatch(l -> l.contains("duplicate seq=1 from x\\n12:00")), log.toString());
            assertTrue(log.stream().anyMatch(l -> l.contains("second HELLO (x\\n12:00")), log.toString());
            log.forEach(HardeningTest::assertPrintable);
        }
    }

    @Test
    void aConnectionGetsOneHelloIdASecondIdIsRefusedWithErrorZero() throws Exception {
        List<Delivery> got = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().onDelivery(got::add).start();
             TestClient c = new TestClient(server.address())) {
            c.sendFrame(Frame.hello("a")).sendFrame(Frame.hello("a")).sendFrame(Frame.hello("b"))
                    .sendFrame(Frame.data(1, bytes("one")));
            List<Frame> replies = c.readFrames(4);
            assertEquals(Frame.ack(0, new byte[0]), replies.get(0));
            assertEquals(Frame.ack(0, new byte[0]), replies.get(1), "the same id again (its ACK may have been lost) is fine");
            assertEquals(Frame.error(0, "one HELLO per connection"), replies.get(2));
            assertEquals(List.of("a"), got.stream().map(Delivery::clientId).toList());
        }
    }

    @Test
    void helloIdsThatDifferOnlyInBytesThatAreNotUtf8AreTwoClientsAndEachIsKnownAgainOnReconnect() throws Exception {
        // Both ids read as "ab\uFFFD" when decoded as UTF-8; keyed by that text, the second
        // client's seq 1 was taken for a retransmission of the first's: acknowledged, never delivered.
        byte[] first = {'a', 'b', (byte) 0xff};
        byte[] second = {'a', 'b', (byte) 0xfe};
        List<Delivery> got = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().onDelivery(got::add).start()) {
            for (byte[] id : List.of(first, second, first)) { // the last one reconnects: a duplicate
                try (TestClient c = new TestClient(server.address())) {
                    c.sendFrame(new Frame(dev.wirelab.common.FrameType.HELLO, 0, id)).sendFrame(Frame.data(1, bytes("one")));
                    assertEquals(Frame.ack(1, bytes("one")), c.readFrames(2).get(1));
                }
            }
            assertEquals(2, got.size(), "seq 1 of each id delivered once: " + got);
            assertEquals(1, server.stats().duplicatesSuppressed(), "the first id's seq 1 again, after a reconnect");
        }
    }

    @Test
    void aHelloIdSpelledLikeAnUnnamedConnectionsKeyIsAClientOfItsOwn() throws Exception {
        List<Delivery> got = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().onDelivery(got::add).start()) {
            try (TestClient c = new TestClient(server.address())) {
                c.sendFrame(Frame.data(1, bytes("unnamed")));
                c.readFrame();
            }
            String unnamedKey = got.get(0).clientId(); // "#1 127.0.0.1:port"
            try (TestClient c = new TestClient(server.address())) {
                c.sendFrame(Frame.hello(unnamedKey)).sendFrame(Frame.data(1, bytes("named")));
                assertEquals(Frame.ack(1, bytes("named")), c.readFrames(2).get(1));
            }
            assertEquals(2, got.size(), "the named client's seq 1 was acknowledged, so it must be delivered: " + got);
            assertEquals(0, server.stats().duplicatesSuppressed());
        }
    }

    @Test
    void oneAddressCyclingThroughIdsCannotPushAnotherAddressesClientOutOfTheLedger() {
        DeliveryLedger ledger = new DeliveryLedger(40, 1024, 1 << 20, line -> { });
        assertTrue(ledger.markDelivered("10.0.0.2", "victim-1", 1));
        for (int i = 0; i < 20_000; i++) {
            ledger.markDelivered("10.0.0.1", "flood-" + i, 1);
        }
        assertFalse(ledger.markDelivered("10.0.0.2", "victim-1", 1), "the victim's retransmitted seq 1 was delivered twice");
        assertTrue(ledger.clientCount() <= 40, "clients: " + ledger.clientCount());
    }

    @Test
    void anAddressOverItsShareOfOutOfOrderNumbersForgetsItsOwnClientsFirst() {
        DeliveryLedger ledger = new DeliveryLedger(100, 1000, 400, line -> { });
        assertTrue(ledger.markDelivered("10.0.0.2", "victim", 5)); // one gap entry
        for (int c = 0; c < 50; c++) {
            for (int s = 2; s < 40; s += 2) {
                ledger.markDelivered("10.0.0.1", "gappy-" + c, s);
            }
        }
        assertFalse(ledger.markDelivered("10.0.0.2", "victim", 5));
        assertTrue(ledger.gapEntries() <= 400, "gaps: " + ledger.gapEntries());
    }

    @Test
    void theEchoServerRefusesConnectionsPastItsLimitAndLogsThemAtMostOnceASecond() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().maxConnections(2).log(log::add).start();
             TestClient a = new TestClient(server.address());
             TestClient b = new TestClient(server.address())) {
            a.sendLine("a");
            assertEquals("a\n", a.readLine());
            b.sendLine("b");
            assertEquals("b\n", b.readLine()); // both registered, so both count
            for (int i = 0; i < 30; i++) {
                try (TestClient refused = new TestClient(server.address())) {
                    assertEquals(0, refused.readToEnd().length);
                }
            }
            assertEquals(30, server.stats().refused());
            long lines = log.stream().filter(l -> l.startsWith("refused")).count();
            assertTrue(lines >= 1 && lines < 10, lines + " refusal lines: " + log);
            a.sendLine("still served");
            assertEquals("still served\n", a.readLine());
        }
    }

    @Test
    void theProxyRefusesClientsPastItsLimit() throws Exception {
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = FaultProxy.builder().upstream(server.address()).maxConnections(1).start();
             TestClient a = new TestClient(proxy.address())) {
            a.sendLine("a");
            assertEquals("a\n", a.readLine());
            try (TestClient refused = new TestClient(proxy.address())) {
                assertEquals(0, refused.readToEnd().length);
            }
            assertEquals(1, proxy.stats().refused());
        }
    }

    @Test
    void theProxyClosesAPairThatIsIdle() throws Exception {
        HostileInputTest.Watch log = new HostileInputTest.Watch("idle for");
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = FaultProxy.builder().upstream(server.address()).idleTimeout(Duration.ofMillis(300)).log(log).start();
             TestClient c = new TestClient(proxy.address())) {
            c.sendLine("hello");
            assertEquals("hello\n", c.readLine());
            assertEquals(0, c.readToEnd().length); // returns once the proxy closed the idle pair
            log.await();
        }
    }

    @Test
    void theProxyClosesAPairOnceOneSideHasBeenHalfClosedForAWhile() throws Exception {
        // An upstream that never answers and never closes: only the half-close timeout ends the pair.
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress("127.0.0.1", 0));
            List<Socket> held = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                try {
                    held.add(silent.accept());
                } catch (java.io.IOException ignored) {
                    // test over
                }
            });
            HostileInputTest.Watch log = new HostileInputTest.Watch("half-closed");
            try (FaultProxy proxy = FaultProxy.builder().upstream((InetSocketAddress) silent.getLocalSocketAddress())
                    .idleTimeout(Duration.ZERO).halfCloseTimeout(Duration.ofMillis(300)).log(log).start();
                 TestClient c = new TestClient(proxy.address())) {
                c.sendLine("anyone?").shutdownOutput();
                assertEquals(0, c.readToEnd().length);
                log.await();
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    @ParameterizedTest(name = "delay {0} ms")
    @ValueSource(ints = {0, 20})
    void clientsThatNeverReadCannotMakeTheProxyHoldMoreThanItsBudget(int delayMillis) throws Exception {
        int budget = 1 << 20;
        List<Socket> hogs = new ArrayList<>();
        try (EchoServer server = EchoServer.builder().start();
             FaultProxy proxy = FaultProxy.builder().upstream(server.address()).eventLoops(2)
                     .faults(FaultConfig.none().withDelay(Duration.ofMillis(delayMillis))).maxQueuedBytes(budget).start()) {
            startHogs(proxy.address(), 12, hogs);
            long most = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            while (System.nanoTime() < deadline) {
                most = Math.max(most, proxy.queuedBytes());
                Thread.sleep(5); // sampling the gauge, not waiting for a server
            }
            // Twelve directions could hold 12 x 320 KiB without the shared budget (queued and
            // unsent bytes: the unsent ones are what a peer that does not read holds). It is checked
            // before each read, so what one read already brought (16 KiB, here two 8 KiB lines at
            // most) may pass it, once per event loop.
            long slack = 2 * (16 * 1024 + 3 * ReplyQueue.ITEM_OVERHEAD_BYTES);
            assertTrue(most <= budget + slack, "queued " + most + " bytes, budget " + budget);
            assertTrue(proxy.stats().shed() >= 1, "a client that does not read was disconnected to make room");
            try (PlainLineClient c = PlainLineClient.connect(proxy.address(), Duration.ofSeconds(10))) {
                assertTrue(c.send("still served").intact());
            }
        } finally {
            for (Socket s : hogs) {
                s.close();
            }
        }
    }

    @Test
    @Timeout(60)
    void clientsThatNeverReadCannotMakeTheEchoServerHoldMoreThanItsBoundAndAClientThatReadsIsStillServed() throws Exception {
        long bound = 256 * 1024;
        int hogCount = 12;
        List<Socket> hogs = new ArrayList<>();
        try (EchoServer server = EchoServer.builder().eventLoops(2).maxBufferedBytes(bound).start()) {
            startHogs(server.address(), hogCount, hogs);
            long most = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            while (System.nanoTime() < deadline) {
                most = Math.max(most, server.bufferedBytes());
                Thread.sleep(5); // sampling the gauge, not waiting for a server
            }
            // Each hog could hold 256 KiB unsent on its own (3 MiB for twelve). Past the bound, only a
            // connection under its 32 KiB reserve is still read, and one read (16 KiB) may overshoot.
            long perConnection = EchoConnection.RESERVE_BYTES + 16 * 1024;
            assertTrue(most >= bound, "the hogs' unsent replies are counted: at most " + most + " bytes");
            assertTrue(most <= bound + hogCount * perConnection, "held " + most + " bytes, bound " + bound);
            try (PlainLineClient c = PlainLineClient.connect(server.address(), Duration.ofSeconds(10))) {
                for (int i = 0; i < 20; i++) {
                    assertTrue(c.send("still served " + i).intact(), "a client that reads gets every echo");
                }
            }
        } finally {
            for (Socket s : hogs) {
                s.close();
            }
        }
    }

    /**
     * {@code n} clients that each send 16 MB of 8 KiB lines, far more than TCP's buffers hold,
     * and never read (a small receive buffer, so their replies back up at once); added to {@code hogs}.
     */
    private static void startHogs(InetSocketAddress at, int n, List<Socket> hogs) throws java.io.IOException {
        byte[] line = new byte[8192];
        java.util.Arrays.fill(line, (byte) 'x');
        line[line.length - 1] = '\n';
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            s.setReceiveBufferSize(4096);
            s.connect(at, 5000);
            hogs.add(s);
            Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int k = 0; k < 2_000; k++) {
                        out.write(line);
                    }
                } catch (java.io.IOException ignored) {
                    // closed by the server to make room, or by the test at the end
                }
            });
        }
    }
}
