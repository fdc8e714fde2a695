package dev.wirelab.part1.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.part1.tls.CertStore;
import dev.wirelab.part1.tls.KeyLog;
import dev.wirelab.part1.tls.KeyLoggingTls;
import dev.wirelab.part1.tls.TlsContexts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key-logging TLS path (BouncyCastle) against the JDK's TLS and OpenSSL on loopback: it
 * interoperates, logs the five TLS 1.3 secrets, and keeps the JDK path's checks.
 */
@Timeout(60)
class KeyLoggingTlsTest {

    @TempDir
    static Path certDir;
    @TempDir
    static Path otherDir;
    @TempDir
    Path tmp;
    static CertStore.Identity id;
    static CertStore.Identity other;

    static final List<String> LABELS = List.of(KeyLog.CLIENT_HANDSHAKE, KeyLog.SERVER_HANDSHAKE,
            KeyLog.CLIENT_TRAFFIC_0, KeyLog.SERVER_TRAFFIC_0, KeyLog.EXPORTER);

    @BeforeAll
    static void certificates() throws Exception {
        id = CertStore.loadOrCreate(certDir);
        other = CertStore.loadOrCreate(otherDir);
    }

    private static InspectServer.Limits limits(Duration handshake) {
        return new InspectServer.Limits(16, handshake, Duration.ZERO);
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream o = s.getOutputStream();
        o.write(text.getBytes(StandardCharsets.UTF_8));
        o.flush();
        s.shutdownOutput();
    }

    /** Labels in file order, and that every line names one client random. */
    private static List<String> labelsOf(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        assertEquals(1, lines.stream().map(l -> l.split(" ")[1]).distinct().count(), lines.toString());
        return lines.stream().map(l -> l.split(" ")[0]).toList();
    }

    @Test
    void aJdkClientIsServedByTheKeyLoggingServerWhichLogsTheFiveSecrets() throws Exception {
        Path file = tmp.resolve("server.keys");
        ServerClientTest.Recorder rec = new ServerClientTest.Recorder(1);
        try (KeyLog log = KeyLog.open(file);
             InspectServer server = InspectServer.startWith("127.0.0.1", 0, KeyLoggingTls.server(id, log), rec,
                     InspectServer.Limits.DEFAULT);
             Socket s = NetClient.connectTls("127.0.0.1", server.port(), "localhost", id.certificate(), "t")) {
            send(s, "secret via bc server\n");
            rec.await();
        }
        assertTrue(rec.text().contains("secret via bc server\\n"), rec.text());
        assertEquals(LABELS, labelsOf(file));
        assertTrue(Files.readAllLines(file).stream().allMatch(l -> l.split(" ")[2].length() == 96),
                "SHA-384 secrets of TLS_AES_256_GCM_SHA384, the suite both prefer");
    }

    @Test
    void theKeyLoggingClientTalksToTheJdkServerAndLogsTheFiveSecrets() throws Exception {
        Path file = tmp.resolve("client.keys");
        ServerClientTest.Recorder rec = new ServerClientTest.Recorder(1);
        try (KeyLog log = KeyLog.open(file);
             InspectServer server = InspectServer.start("127.0.0.1", 0, TlsContexts.server(id), rec);
             Socket s = NetClient.connectTlsLogged("127.0.0.1", server.port(), "localhost", id.certificate(), "t", log)) {
            send(s, "secret via bc client\n");
            rec.await();
        }
        assertTrue(rec.text().contains("secret via bc client\\n"), rec.text());
        assertEquals(LABELS, labelsOf(file));
    }

    @Test
    void clientAndServerLogTheSameSecretsAndOpensslTheSameAsOurServer() throws Exception {
        Path serverFile = tmp.resolve("server.keys");
        Path clientFile = tmp.resolve("client.keys");
        ServerClientTest.Recorder rec = new ServerClientTest.Recorder(2);
        try (KeyLog serverLog = KeyLog.open(serverFile);
             InspectServer server = InspectServer.startWith("127.0.0.1", 0, KeyLoggingTls.server(id, serverLog), rec,
                     InspectServer.Limits.DEFAULT)) {
            try (KeyLog clientLog = KeyLog.open(clientFile);
                 Socket s = NetClient.connectTlsLogged("127.0.0.1", server.port(), "localhost", id.certificate(), "t",
                         clientLog)) {
                send(s, "both sides\n");
            }
            Path opensslFile = tmp.resolve("openssl.keys");
            Process p;
            try {
                p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + server.port(),
                        "-servername", "localhost", "-CAfile", id.certFile().toString(), "-verify_hostname", "localhost",
                        "-verify_return_error", "-tls1_3", "-quiet", "-no_ign_eof", "-keylogfile", opensslFile.toString())
                        .redirectErrorStream(true).start();
            } catch (IOException e) {
                Assumptions.abort("openssl is not installed: the secrets are not compared with OpenSSL's");
                return;
            }
            try (OutputStream in = p.getOutputStream()) {
                in.write("hello from openssl\n".getBytes(StandardCharsets.US_ASCII));
            }
            rec.await();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            List<String> ours = Files.readAllLines(serverFile);
            assertEquals(Files.readAllLines(clientFile), ours.subList(0, 5), "client and server logged the same lines");
            Set<String> openssl = Files.readAllLines(opensslFile).stream().filter(l -> !l.startsWith("#"))
                    .collect(Collectors.toSet());
            assertEquals(openssl, Set.copyOf(ours.subList(5, ours.size())),
                    "OpenSSL's key log of its connection is the one our server wrote");
        }
    }

    @Test
    void theKeyLoggingClientRefusesAnotherCertificateAsTheJdkClientDoes() throws Exception {
        ServerClientTest.Recorder rec = new ServerClientTest.Recorder(1);
        try (KeyLog log = KeyLog.open(tmp.resolve("k"));
             InspectServer server = InspectServer.start("127.0.0.1", 0, TlsContexts.server(other), rec)) {
            IOException e = assertThrows(IOException.class, () ->
                    NetClient.connectTlsLogged("127.0.0.1", server.port(), "localhost", id.certificate(), "my.pem", log));
            assertEquals("TLS handshake failed: the server's certificate is not the one trusted in my.pem"
                    + " (wrong --trust file, or the server made a new certificate)", e.getMessage());
            rec.await();
            assertEquals(1, rec.failures.size(), "the server saw the client give up");
        }
    }

    @Test
    void theKeyLoggingClientChecksTheHostName() throws Exception {
        try (KeyLog log = KeyLog.open(tmp.resolve("k"));
             InspectServer server = InspectServer.start("127.0.0.1", 0, TlsContexts.server(id),
                     new ServerClientTest.Recorder(1))) {
            IOException e = assertThrows(IOException.class, () -> NetClient.connectTlsLogged("127.0.0.1",
                    server.port(), "wirelab.example", id.certificate(), "my.pem", log));
            assertTrue(e.getMessage().contains("does not name host 'wirelab.example'"), e.getMessage());
        }
    }

    @Test
    void theKeyLoggingClientAgainstThePlainServerGetsTheSameHint() throws Exception {
        ServerClientTest.Recorder rec = new ServerClientTest.Recorder(1);
        try (KeyLog log = KeyLog.open(tmp.resolve("k"));
             InspectServer server = InspectServer.start("127.0.0.1", 0, null, rec)) {
            IOException e = assertThrows(IOException.class, () ->
                    NetClient.connectTlsLogged("127.0.0.1", server.port(), "localhost", id.certificate(), "t", log));
            assertEquals(TlsContexts.NOT_TLS, e.getMessage());
        }
    }

    @Test
    void theKeyLoggingServerRefusesTls12() throws Exception {
        ServerClientTest.Recorder rec = new ServerClientTest.Recorder(1);
        try (KeyLog log = KeyLog.open(tmp.resolve("k"));
             InspectServer server = InspectServer.startWith("127.0.0.1", 0, KeyLoggingTls.server(id, log), rec,
                     InspectServer.Limits.DEFAULT)) {
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.2");
            ctx.init(null, new javax.net.ssl.TrustManager[]{trustOnly()}, null);
            try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ctx.getSocketFactory()
                    .createSocket("127.0.0.1", server.port())) {
                s.setEnabledProtocols(new String[]{"TLSv1.2"});
                assertThrows(javax.net.ssl.SSLException.class, s::startHandshake);
            }
            rec.await();
            assertEquals(1, rec.failures.size(), rec.failures.toString());
            assertTrue(rec.failures.getFirst().startsWith("TLS handshake failed"), rec.failures.toString());
            assertEquals(0, Files.size(tmp.resolve("k")), "no secret of a refused handshake");
        }
    }

    private static javax.net.ssl.X509TrustManager trustOnly() throws Exception {
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("s", id.certificate());
        tmf.init(ks);
        return (javax.net.ssl.X509TrustManager) tmf.getTrustManagers()[0];
    }

    @Test
    void aHandshakeTricklingIntoTheKeyLoggingServerIsCutOffAtItsDeadline() throws Exception {
        ServerClientTest.Recorder rec = new ServerClientTest.Recorder(1);
        try (KeyLog log = KeyLog.open(tmp.resolve("k"));
             InspectServer server = InspectServer.startWith("127.0.0.1", 0, KeyLoggingTls.server(id, log), rec,
                     limits(Duration.ofSeconds(1)));
             Socket s = new Socket("127.0.0.1", server.port())) {
            assertTrue(ServerLimitsTest.trickleClientHello(s), "the server still waited for the handshake after 60 bytes in 15 s");
            rec.await();
            assertEquals(List.of("no TLS handshake within 1 s"), rec.failures);
        }
    }
}
