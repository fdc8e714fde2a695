package dev.wirelab.part1.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.wirelab.part1.tls.CertStore;
import dev.wirelab.part1.tls.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What keeps clients from locking the server out (issue 12, item 3): a total TLS handshake
 * deadline, an idle timeout, a reported client limit, and a log that never holds serving up.
 * The server's callbacks are verified with Mockito, waiting (bounded) for the call.
 */
@Timeout(60)
class ServerLimitsTest {

    @TempDir
    static Path certDir;
    static SSLContext serverTls;

    @BeforeAll
    static void certificate() throws Exception {
        serverTls = TlsContexts.server(CertStore.loadOrCreate(certDir));
    }

    private static InspectServer.Limits limits(int maxClients, Duration handshake, Duration idle) {
        return new InspectServer.Limits(maxClients, handshake, idle);
    }

    @Test
    void aTlsHandshakeTricklingInByteByByteIsCutOffAtItsTotalDeadline() throws Exception {
        ServerEvents events = mock(ServerEvents.class);
        // Each byte comes well within the per-read timeout; only a deadline for the whole
        // handshake ends it. Without one it would last the 60 bytes (15 s) and more.
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, serverTls, events,
                limits(16, Duration.ofSeconds(1), Duration.ZERO));
             Socket s = new Socket("127.0.0.1", server.port())) {
            assertTrue(trickleClientHello(s), "the server still waited for the handshake after 60 bytes in 15 s");
            verify(events, timeout(10_000)).failed(any(), eq("no TLS handshake within 1 s"));
            verify(events, never()).connected(any());
            assertEquals(1, server.stats().dropped());
        }
    }

    /**
     * Sends a Client Hello record header, then one byte every 250 ms, up to 60: true when the
     * server closed the connection before the 60th byte.
     */
    static boolean trickleClientHello(Socket s) throws IOException, InterruptedException {
        OutputStream out = s.getOutputStream();
        out.write(new byte[]{0x16, 0x03, 0x01, 0x02, 0x00}); // a Client Hello record of 512 bytes
        out.flush();
        for (int i = 0; i < 60; i++) {
            Thread.sleep(250); // the client's pace, not a wait for the server
            try {
                out.write(0x01);
                out.flush();
            } catch (SocketException e) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aClientThatSendsNothingIsClosedAfterTheIdleTimeout() throws Exception {
        ServerEvents events = mock(ServerEvents.class);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, events,
                limits(16, Duration.ofSeconds(10), Duration.ofMillis(500)));
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(20_000);
            assertEquals(-1, s.getInputStream().read(), "the server closes the idle connection");
            verify(events, timeout(5_000)).failed(any(), eq("nothing received for 0.5 s: closed (idle timeout)"));
            verify(events).received(any(), eq("hi\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals(1, server.stats().idleClosed());
        }
    }

    @Test
    @SuppressWarnings("try") // the connection is held open, never used
    void aTlsClientThatGoesQuietAfterItsHandshakeIsClosedToo() throws Exception {
        ServerEvents events = mock(ServerEvents.class);
        CertStore.Identity id = CertStore.loadOrCreate(certDir);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, serverTls, events,
                limits(16, Duration.ofSeconds(10), Duration.ofMillis(500)));
             Socket s = NetClient.connectTls("127.0.0.1", server.port(), "localhost", id.certificate(), "t")) {
            verify(events, timeout(5_000)).connected(any());
            verify(events, timeout(5_000)).failed(any(), eq("nothing received for 0.5 s: closed (idle timeout)"));
        }
    }

    @Test
    void clientsOverTheLimitAreClosedReportedAndTheOthersServedOn() throws Exception {
        ServerEvents events = mock(ServerEvents.class);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, events,
                limits(2, Duration.ofSeconds(10), Duration.ZERO))) {
            Socket a = new Socket("127.0.0.1", server.port());
            Socket b = new Socket("127.0.0.1", server.port());
            verify(events, timeout(5_000).times(2)).connected(any());
            try (Socket c = new Socket("127.0.0.1", server.port())) {
                c.setSoTimeout(10_000);
                assertEquals(-1, c.getInputStream().read(), "the third client is closed at once");
                InetSocketAddress cAddr = (InetSocketAddress) c.getLocalSocketAddress();
                verify(events, timeout(5_000)).refused(argThat(p -> p.getPort() == cAddr.getPort()), eq(2), eq(2));
            }
            a.close();
            verify(events, timeout(5_000)).disconnected(any());
            try (Socket d = new Socket("127.0.0.1", server.port())) {
                d.getOutputStream().write("in".getBytes(StandardCharsets.US_ASCII));
                verify(events, timeout(5_000)).received(any(), eq("in".getBytes(StandardCharsets.US_ASCII)));
            }
            b.close();
            assertEquals(1, server.stats().refused());
            assertEquals(3, server.stats().served());
        }
    }

    /**
     * A client that reconnects the moment the server reports the last one gone: the report is made
     * once the slot is free, so at a limit of one the new client is served, not refused. The new
     * client connects from inside the report, which the server makes on the old connection's
     * thread, so the test does not depend on which thread the scheduler runs first.
     */
    @Test
    void aClientThatConnectsWhenTheLastOneIsReportedGoneGetsItsSlot() throws Exception {
        CompletableFuture<String> second = new CompletableFuture<>();
        CompletableFuture<String> seenFromTheReport = new CompletableFuture<>();
        AtomicInteger connections = new AtomicInteger();
        int[] port = new int[1];
        List<Socket> reconnected = new ArrayList<>();
        ServerEvents events = new ServerEvents() {
            public void connected(InetSocketAddress p) {
                if (connections.incrementAndGet() == 2) {
                    second.complete("served");
                }
            }

            public void received(InetSocketAddress p, byte[] c) {
            }

            public void disconnected(InetSocketAddress p) {
                if (connections.get() != 1) {
                    return;
                }
                try {
                    Socket d = new Socket("127.0.0.1", port[0]);
                    synchronized (reconnected) {
                        reconnected.add(d);
                    }
                    seenFromTheReport.complete(second.get(10, TimeUnit.SECONDS));
                } catch (Exception e) {
                    seenFromTheReport.complete("no answer: " + e);
                }
            }

            public void failed(InetSocketAddress p, String why) {
            }

            @Override
            public void refused(InetSocketAddress p, int open, int limit) {
                second.complete("refused with " + open + " of " + limit + " slots taken");
            }
        };
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, events,
                limits(1, Duration.ofSeconds(10), Duration.ZERO))) {
            port[0] = server.port();
            try (Socket a = new Socket("127.0.0.1", server.port())) {
                a.getOutputStream().write("hi".getBytes(StandardCharsets.US_ASCII));
            }
            assertEquals("served", seenFromTheReport.get(20, TimeUnit.SECONDS));
        } finally {
            synchronized (reconnected) {
                for (Socket d : reconnected) {
                    d.close();
                }
            }
        }
    }

    /** Both: the log first, as a real server calls it, then the mock that the test watches. */
    private record Tee(ServerEvents first, ServerEvents second) implements ServerEvents {
        public void connected(InetSocketAddress p) {
            first.connected(p);
            second.connected(p);
        }

        public void received(InetSocketAddress p, byte[] c) {
            first.received(p, c);
            second.received(p, c);
        }

        public void disconnected(InetSocketAddress p) {
            first.disconnected(p);
            second.disconnected(p);
        }

        public void failed(InetSocketAddress p, String why) {
            first.failed(p, why);
            second.failed(p, why);
        }
    }

    /** A terminal paused with Ctrl-S: every write waits until the test lets it go. */
    private static final class PausedTerminal extends Writer {
        final CountDownLatch resume = new CountDownLatch(1);
        final StringBuilder text = new StringBuilder();

        @Override
        public void write(char[] buf, int off, int len) throws IOException {
            try {
                resume.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (text) {
                text.append(buf, off, len);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aPausedTerminalCostsLogLinesNeverServing() throws Exception {
        PausedTerminal terminal = new PausedTerminal();
        AsyncLog log = new AsyncLog(new PrintWriter(terminal), 16);
        ServerEvents watched = mock(ServerEvents.class);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, new Tee(new ServerLog(log), watched))) {
            int clients = 20;
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    Socket s = new Socket("127.0.0.1", server.port());
                    sockets.add(s);
                    s.getOutputStream().write(("client " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                }
                // Every client was heard and its disconnect seen, although no log line got out.
                verify(watched, timeout(10_000).times(clients)).disconnected(any());
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            assertTrue(log.dropped() > 0, "at least 60 lines into a queue of 16");
        }
        terminal.resume.countDown();
        log.close(Duration.ofSeconds(10));
        String shown = terminal.text.toString();
        assertTrue(shown.contains("log: " + log.dropped() + " lines dropped: the output did not keep up"), shown);
        assertTrue(shown.startsWith("Got connection from ('127.0.0.1', "), shown);
    }

    @Test
    void theServerCountsWhatItSaw() throws Exception {
        ServerEvents events = mock(ServerEvents.class);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, events)) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.getOutputStream().write("Hello from Client.\n".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                InputStream in = s.getInputStream();
                s.setSoTimeout(10_000);
                assertEquals(-1, in.read());
            }
            verify(events, timeout(5_000)).disconnected(any());
            InspectServer.Stats st = server.stats();
            assertEquals("stopped: connections=1 served=1 dropped=0 idle-closed=0 refused=0 chunks="
                    + st.chunks() + " bytes=19", st.line());
            verify(events, times((int) st.chunks())).received(any(), any());
        }
    }
}
