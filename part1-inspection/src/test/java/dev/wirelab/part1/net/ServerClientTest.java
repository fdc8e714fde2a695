package dev.wirelab.part1.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.part1.tls.CertStore;
import dev.wirelab.part1.tls.TlsContexts;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ServerClientTest {

    @TempDir
    static Path certDir;
    @TempDir
    static Path otherDir;
    static CertStore.Identity id;
    static CertStore.Identity other;

    @BeforeAll
    static void certificates() throws Exception {
        id = CertStore.loadOrCreate(certDir);
        other = CertStore.loadOrCreate(otherDir);
    }

    /** Records events and lets a test wait for a number of disconnects. */
    static final class Recorder implements ServerEvents {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch done;
        final List<String> logged = Collections.synchronizedList(new ArrayList<>());
        final ServerLog log = new ServerLog(logged::add);

        Recorder(int clients) {
            done = new CountDownLatch(clients);
        }

        @Override
        public void connected(InetSocketAddress peer) {
            log.connected(peer);
        }

        @Override
        public void received(InetSocketAddress peer, byte[] chunk) {
            lines.add(peer.getPort() + ":" + new String(chunk, StandardCharsets.UTF_8));
            log.received(peer, chunk);
        }

        @Override
        public void disconnected(InetSocketAddress peer) {
            log.disconnected(peer);
            done.countDown();
        }

        @Override
        public void failed(InetSocketAddress peer, String why) {
            failures.add(why);
            log.failed(peer, why);
            done.countDown();
        }

        /** What the server logged, a line each. */
        String text() {
            synchronized (logged) {
                return logged.stream().map(l -> l + "\n").collect(java.util.stream.Collectors.joining());
            }
        }

        void await() throws InterruptedException {
            assertTrue(done.await(20, TimeUnit.SECONDS), "server events did not arrive");
        }
    }

    private static void sendAndHalfClose(Socket s, byte[] data) throws IOException {
        OutputStream o = s.getOutputStream();
        o.write(data);
        o.flush();
        s.shutdownOutput();
    }

    @Test
    void thePlainServerLogsLikeTheReport() throws Exception {
        Recorder rec = new Recorder(1);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, rec);
             Socket s = NetClient.connectPlain("127.0.0.1", server.port())) {
            int clientPort = s.getLocalPort();
            sendAndHalfClose(s, "Hello from Client\n".getBytes(StandardCharsets.UTF_8));
            rec.await();
            assertEquals("Got connection from ('127.0.0.1', " + clientPort + ")\nHello from Client\\n\nClient disconnected\n",
                    rec.text());
        }
    }

    @Test
    void manyClientsAtOnceAreAllServed() throws Exception {
        int n = 20;
        Recorder rec = new Recorder(n);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, rec)) {
            List<Socket> sockets = new ArrayList<>();
            try {
                // All connected before any sends: a one-client-at-a-time server would stall here.
                for (int i = 0; i < n; i++) {
                    sockets.add(NetClient.connectPlain("127.0.0.1", server.port()));
                }
                for (int i = n - 1; i >= 0; i--) {
                    sendAndHalfClose(sockets.get(i), ("client " + i).getBytes(StandardCharsets.UTF_8));
                }
                rec.await();
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            for (int i = 0; i < n; i++) {
                String expected = sockets.get(i).getLocalPort() + ":client " + i;
                assertTrue(rec.lines.contains(expected), expected + " missing from " + rec.lines);
            }
        }
    }

    @Test
    void bytesThatAreNotUtf8AreShownEscapedAndTheServerCarriesOn() throws Exception {
        Recorder rec = new Recorder(2);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, rec)) {
            try (Socket s = NetClient.connectPlain("127.0.0.1", server.port())) {
                sendAndHalfClose(s, new byte[]{'o', 'k', (byte) 0xff, (byte) 0xc3, 0x07});
            }
            try (Socket s = NetClient.connectPlain("127.0.0.1", server.port())) {
                sendAndHalfClose(s, "still up".getBytes(StandardCharsets.UTF_8));
            }
            rec.await();
            assertTrue(rec.text().contains("ok\\xff\\xc3\\x07"), rec.text());
            assertTrue(rec.text().contains("still up"), rec.text());
        }
    }

    @Test
    void aTlsClientTrustingTheServersCertificateIsHeardInPlainText() throws Exception {
        Recorder rec = new Recorder(1);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, TlsContexts.server(id), rec);
             SSLSocket s = NetClient.connectTls("127.0.0.1", server.port(), "localhost", id.certificate(), "test")) {
            assertEquals("TLSv1.3", s.getSession().getProtocol());
            sendAndHalfClose(s, "secret over tls\n".getBytes(StandardCharsets.UTF_8));
            rec.await();
            assertTrue(rec.text().contains("secret over tls\\n"), rec.text());
        }
    }

    @Test
    void theIpAddressInTheCertificateAlsoMatches() throws Exception {
        Recorder rec = new Recorder(1);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, TlsContexts.server(id), rec);
             SSLSocket s = NetClient.connectTls("127.0.0.1", server.port(), "127.0.0.1", id.certificate(), "test")) {
            sendAndHalfClose(s, "by ip".getBytes(StandardCharsets.UTF_8));
            rec.await();
            assertTrue(rec.lines.stream().anyMatch(l -> l.endsWith(":by ip")));
        }
    }

    @Test
    void aServerWithAnotherCertificateIsRejected() throws Exception {
        Recorder rec = new Recorder(1);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, TlsContexts.server(other), rec)) {
            IOException e = assertThrows(IOException.class, () ->
                    NetClient.connectTls("127.0.0.1", server.port(), "localhost", id.certificate(), "my.pem"));
            assertTrue(e.getMessage().contains("not the one trusted in my.pem"), e.getMessage());
            assertTrue(e.getMessage().lines().count() == 1);
            rec.await();
            assertEquals(1, rec.failures.size(), "the server saw the client give up");
        }
    }

    @Test
    void aHostNameTheCertificateDoesNotNameIsRejected() throws Exception {
        Recorder rec = new Recorder(1);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, TlsContexts.server(id), rec)) {
            IOException e = assertThrows(IOException.class, () ->
                    NetClient.connectTls("127.0.0.1", server.port(), "wirelab.example", id.certificate(), "my.pem"));
            assertTrue(e.getMessage().contains("does not name host 'wirelab.example'"), e.getMessage());
        }
    }

    @Test
    void aPlainClientOnTheTlsPortIsDroppedAndTheServerKeepsServing() throws Exception {
        Recorder rec = new Recorder(2);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, TlsContexts.server(id), rec)) {
            try (Socket s = NetClient.connectPlain("127.0.0.1", server.port())) {
                sendAndHalfClose(s, "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getInputStream().readAllBytes();
            }
            try (SSLSocket s = NetClient.connectTls("127.0.0.1", server.port(), "localhost", id.certificate(), "t")) {
                sendAndHalfClose(s, "after".getBytes(StandardCharsets.UTF_8));
            }
            rec.await();
            assertEquals(1, rec.failures.size());
            assertTrue(rec.failures.get(0).startsWith("TLS handshake failed"), rec.failures.toString());
            assertTrue(rec.lines.stream().anyMatch(l -> l.endsWith(":after")));
        }
    }

    @Test
    void aTlsClientAgainstThePlainServerIsToldAtOnceThatTheServerLacksTls() throws Exception {
        Recorder rec = new Recorder(1);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, rec)) {
            IOException e = assertThrows(IOException.class, () ->
                    NetClient.connectTls("127.0.0.1", server.port(), "localhost", id.certificate(), "t"));
            assertEquals("the server did not answer the TLS handshake: is it running without --tls?", e.getMessage());
            rec.await();
            assertEquals(List.of("it sent a TLS Client Hello, but this server runs without --tls"), rec.failures);
            assertTrue(rec.lines.isEmpty(), "the Client Hello is not shown as text: " + rec.lines);
        }
    }

    @Test
    void aTlsClientAgainstAServerThatNeverAnswersGivesTheSameHint() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            IOException e = assertThrows(IOException.class, () ->
                    NetClient.connectTls("127.0.0.1", silent.getLocalPort(), "localhost", id.certificate(), "t"));
            assertEquals("the server did not answer the TLS handshake: is it running without --tls?"
                    + " (no answer within 5 s)", e.getMessage());
        }
    }

    @Test
    void theRelayEndsWhenTheServerClosesEvenWhileTheInputStaysOpen() throws Exception {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             java.io.PipedOutputStream keyboard = new java.io.PipedOutputStream();
             java.io.PipedInputStream stdin = new java.io.PipedInputStream(keyboard)) {
            Socket s = NetClient.connectPlain("127.0.0.1", ss.getLocalPort());
            try (Socket peer = ss.accept()) {
                peer.getOutputStream().write("bye\n".getBytes(StandardCharsets.US_ASCII));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            // Nobody types: the relay must still end, as nc does when the server hangs up.
            NetClient.relay(s, stdin, out, 2_000);
            assertEquals("bye\n", out.toString(StandardCharsets.US_ASCII));
            assertTrue(s.isClosed());
        }
    }

    @Test
    void theTlsServerRefusesTls12() throws Exception {
        Recorder rec = new Recorder(1);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, TlsContexts.server(id), rec)) {
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.2");
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("s", id.certificate());
            tmf.init(ks);
            ctx.init(null, tmf.getTrustManagers(), null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.port())) {
                s.setEnabledProtocols(new String[]{"TLSv1.2"});
                assertThrows(javax.net.ssl.SSLException.class, s::startHandshake);
            }
            rec.await();
        }
    }

    @Test
    void theRelayCopiesInputToTheServerLikeNc() throws Exception {
        Recorder rec = new Recorder(1);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, rec)) {
            Socket s = NetClient.connectPlain("127.0.0.1", server.port());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            NetClient.relay(s, new ByteArrayInputStream("line one\nline two\n".getBytes(StandardCharsets.UTF_8)), out, 5_000);
            rec.await();
            String all = String.join("", rec.lines.stream().map(l -> l.substring(l.indexOf(':') + 1)).toList());
            assertEquals("line one\nline two\n", all);
            assertTrue(s.isClosed());
        }
    }

    @Test
    void opensslSClientIsARealPeerOfTheTlsServer() throws Exception {
        Recorder rec = new Recorder(1);
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, TlsContexts.server(id), rec)) {
            Process p;
            try {
                p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + server.port(),
                        "-servername", "localhost", "-CAfile", id.certFile().toString(), "-verify_hostname", "localhost",
                        "-verify_return_error", "-tls1_3", "-quiet", "-no_ign_eof").redirectErrorStream(true).start();
            } catch (IOException e) {
                Assumptions.abort("openssl is not installed");
                return;
            }
            try (OutputStream in = p.getOutputStream()) {
                in.write("hello from openssl\n".getBytes(StandardCharsets.US_ASCII));
            }
            // s_client sends its line, sees stdin end and closes; the server logs the disconnect.
            rec.await();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(rec.text().contains("hello from openssl\\n"), rec.text() + " / openssl said: " + out);
            assertTrue(rec.failures.isEmpty(), rec.failures.toString());
        }
    }
}
