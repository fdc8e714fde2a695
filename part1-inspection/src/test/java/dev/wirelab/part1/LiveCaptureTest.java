package dev.wirelab.part1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.Bytes;
import dev.wirelab.part1.capture.CaptureUnavailable;
import dev.wirelab.part1.capture.CapturedFrame;
import dev.wirelab.part1.capture.LiveCapture;
import dev.wirelab.part1.capture.PacketList;
import dev.wirelab.part1.capture.PcapFile;
import dev.wirelab.part1.net.InspectServer;
import dev.wirelab.part1.net.NetClient;
import dev.wirelab.part1.net.ServerEvents;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real libpcap captures on loopback: they run as root with libpcap (CI) and skip elsewhere. */
@Timeout(60)
class LiveCaptureTest {

    static String whyNot;

    @BeforeAll
    @SuppressWarnings("try") // opening the probe is the test; it is only closed
    static void captureIsPossible() throws Exception {
        try (LiveCapture probe = LiveCapture.open(null, "tcp port 9", 1 << 20)) {
            whyNot = null;
        } catch (CaptureUnavailable e) {
            whyNot = e.getMessage();
        }
    }

    static void assumeCapture() throws Exception {
        Assumptions.assumeTrue(whyNot == null, "live capture is not possible here: " + whyNot);
    }

    @Test
    void theDemoFindsTheSecretInThePlainCaptureAndNowhereInTheTlsOne(@TempDir Path tmp) throws Exception {
        assumeCapture();
        String secret = "username=bob password=hunter2-" + System.nanoTime();
        Demo.Result r = new Demo(secret, tmp.resolve("out"), tmp.resolve("certs")).run();
        assertTrue(r.captured(), String.valueOf(r.skippedReason()));
        assertNotNull(r.plainHit(), "secret not found in the plain capture");
        assertNull(r.tlsHit(), "secret readable in the TLS capture");
        assertFalse(r.tlsCarriers().isEmpty(), "no Application Data record big enough to carry the secret");
        PacketList.Row hitRow = r.plainRows().get(r.plainHit().frame() - 1);
        assertEquals(hitRow.decoded().tcp().payloadOffset(), r.plainHit().offset());
        assertTrue(r.tlsRows().stream().anyMatch(row -> row.info().matches("\\d+ → \\d+ Client Hello")));
        assertTrue(r.tlsRows().stream().anyMatch(row -> row.protocol().equals("TLSv1.3")));
        // The files on disk are the same captures.
        PcapFile.Capture plain = PcapFile.read(r.plainPcap());
        assertEquals(r.plainRows().size(), plain.frames().size());
        byte[] s = secret.getBytes(StandardCharsets.UTF_8);
        assertTrue(plain.frames().stream().anyMatch(f -> Bytes.indexOf(f.data(), s) >= 0));
        assertTrue(PcapFile.read(r.tlsPcap()).frames().stream().noneMatch(f -> Bytes.indexOf(f.data(), s) >= 0));
        StringWriter text = new StringWriter();
        Demo.print(r, new PrintWriter(text));
        assertTrue(text.toString().contains("PLAIN TCP: the secret is readable in frame " + r.plainHit().frame()));
        assertTrue(text.toString().contains("TLS 1.3: the secret appears in none of the"), text.toString());
        List<String> lines = text.toString().lines().toList();
        assertEquals("Verdict: the secret was readable in plain-TCP frame " + r.plainHit().frame() + " at byte "
                + r.plainHit().offset() + " and absent from the TLS 1.3 capture, readable again with the session keys"
                + " in TLS frame " + r.decrypted().frame(), lines.get(lines.size() - 1));
        assertTrue(r.tlsCarriers().stream().anyMatch(c -> c.number() == r.decrypted().frame()),
                "the record that decrypts to the secret is the one the size analysis points at");
        assertTrue(Demo.asExpected(r));
    }

    @Test
    void aLiveCaptureSeesTheWholeConversationOnLoopback() throws Exception {
        assumeCapture();
        CountDownLatch gone = new CountDownLatch(1);
        ServerEvents events = new ServerEvents() {
            public void connected(InetSocketAddress p) {
            }

            public void received(InetSocketAddress p, byte[] c) {
            }

            public void disconnected(InetSocketAddress p) {
                gone.countDown();
            }

            public void failed(InetSocketAddress p, String why) {
                gone.countDown();
            }
        };
        List<CapturedFrame> frames = Collections.synchronizedList(new ArrayList<>());
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, events);
             LiveCapture cap = LiveCapture.open(null, "tcp port " + server.port(), 1 << 22)) {
            cap.start(frames::add);
            try (Socket s = NetClient.connectPlain("127.0.0.1", server.port())) {
                s.getOutputStream().write("Hello from Client.\n".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                assertTrue(gone.await(10, TimeUnit.SECONDS));
            }
            cap.awaitQuiet(200, 5_000);
            LiveCapture.Stats stats = cap.stop();
            PacketList list = new PacketList(cap.linkType());
            List<CapturedFrame> copy;
            synchronized (frames) {
                copy = List.copyOf(frames);
            }
            copy.forEach(list::add);
            List<PacketList.Row> rows = list.rows();
            assertTrue(rows.get(0).info().contains("[SYN]"), rows.get(0).info());
            assertTrue(rows.stream().anyMatch(r -> r.info().contains("[PSH, ACK] Seq=1 Ack=1") && r.info().contains("Len=19")),
                    rows.toString());
            assertTrue(rows.stream().filter(r -> r.info().contains("FIN")).count() >= 2);
            assertEquals(0, stats.kernelDropped());
        }
    }

    @Test
    void capturingOnAMissingInterfaceSaysWhichOnesExist(@TempDir Path tmp) throws Exception {
        assumeCapture();
        var r = CliRun.run("capture", "--interface", "wirelab-no-such-if0", "--count", "1");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("error: no such interface: wirelab-no-such-if0 (interfaces: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void theCaptureCommandWritesAPcapThatReadsBack(@TempDir Path tmp) throws Exception {
        assumeCapture();
        Path file = tmp.resolve("live.pcap");
        try (InspectServer server = InspectServer.start("127.0.0.1", 0, null, new ServerEvents() {
            public void connected(InetSocketAddress p) {
            }

            public void received(InetSocketAddress p, byte[] c) {
            }

            public void disconnected(InetSocketAddress p) {
            }

            public void failed(InetSocketAddress p, String why) {
            }
        })) {
            // The command says "Capturing on ..." once libpcap is listening; only then is traffic sent.
            CountDownLatch listening = new CountDownLatch(1);
            java.io.Writer errSink = new StringWriter() {
                @Override
                public void write(String str, int off, int len) {
                    super.write(str, off, len);
                    if (toString().contains("Capturing on")) {
                        listening.countDown();
                    }
                }
            };
            Thread traffic = Thread.ofVirtual().start(() -> {
                try {
                    if (listening.await(20, TimeUnit.SECONDS)) {
                        try (Socket s = NetClient.connectPlain("127.0.0.1", server.port())) {
                            s.getOutputStream().write('x');
                        }
                    }
                } catch (Exception e) {
                    // the assertions below report a missing exchange
                }
            });
            var r = CliRun.run(errSink, "capture", "--port", String.valueOf(server.port()), "--count", "3",
                    "--duration", "30", "--write", file.toString(), "--hex");
            traffic.interrupt();
            traffic.join(5_000);
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("[SYN]"), r.out());
            assertTrue(r.out().contains("0000   00 00 00 00 00 00 00 00 00 00 00 00 08 00 45 00"), r.out());
            assertTrue(r.err().contains("3 packets captured"), r.err());
            assertEquals(3, PcapFile.read(file).frames().size());
            assertTrue(Files.size(file) > 24);
        }
    }
}
