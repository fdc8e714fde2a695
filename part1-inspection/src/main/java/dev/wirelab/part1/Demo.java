package dev.wirelab.part1;

import dev.wirelab.common.Bytes;
import dev.wirelab.common.HexDump;
import dev.wirelab.part1.capture.CaptureUnavailable;
import dev.wirelab.part1.capture.LinkType;
import dev.wirelab.part1.capture.LiveCapture;
import dev.wirelab.part1.capture.PacketList;
import dev.wirelab.part1.capture.PcapFile;
import dev.wirelab.part1.capture.CapturedFrame;
import dev.wirelab.part1.capture.TlsRecords;
import dev.wirelab.part1.net.InspectServer;
import dev.wirelab.part1.net.NetClient;
import dev.wirelab.part1.net.ServerEvents;
import dev.wirelab.part1.net.ServerLog;
import dev.wirelab.part1.tls.CertStore;
import dev.wirelab.part1.tls.TlsContexts;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Section 3.1 in one run: the same secret sent once over plain TCP and once over TLS 1.3, both
 * captured on loopback, and a verdict on where the secret can be read.
 */
public final class Demo {

    public static final String DEFAULT_SECRET = "username=alice password=correct-horse-battery-staple";
    static final String HOST = "127.0.0.1";

    /** Where the secret was found in the plain capture (frame number from 1, offset in the frame). */
    public record Hit(int frame, int offset) {
    }

    /** What a run established; the CLI prints it, tests assert on it. */
    public record Result(String skippedReason, List<PacketList.Row> plainRows, List<PacketList.Row> tlsRows,
                         Hit plainHit, Hit tlsHit, List<PacketList.Row> tlsCarriers, Path plainPcap, Path tlsPcap,
                         List<String> plainServerLog, List<String> tlsServerLog) {
        public boolean captured() {
            return skippedReason == null;
        }
    }

    private final String secret;
    private final Path outDir;
    private final Path certDir;

    public Demo(String secret, Path outDir, Path certDir) {
        this.secret = secret;
        this.outDir = outDir;
        this.certDir = certDir;
    }

    public Result run() throws IOException, InterruptedException {
        byte[] line = (secret + "\n").getBytes(StandardCharsets.UTF_8);
        CertStore.Identity id = CertStore.loadOrCreate(certDir);
        Exchange plain = exchange(line, null, id);
        Exchange tls = exchange(line, TlsContexts.server(id), id);
        String skipped = plain.skipped != null ? plain.skipped : tls.skipped;
        if (skipped != null) {
            return new Result(skipped, List.of(), List.of(), null, null, List.of(), null, null, plain.log, tls.log);
        }
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        Hit plainHit = find(plain.rows, needle);
        Hit tlsHit = find(tls.rows, needle);
        List<PacketList.Row> carriers = new ArrayList<>();
        boolean finishedSkipped = false;
        for (PacketList.Row r : tls.rows) {
            if (r.decoded().tcp() != null && r.decoded().tcp().dstPort() == tls.port) {
                for (TlsRecords.Record rec : r.tlsRecords()) {
                    if (rec.contentType() != TlsRecords.APPLICATION_DATA) {
                        continue;
                    }
                    if (!finishedSkipped) {
                        finishedSkipped = true; // the client's first encrypted record is its Finished
                        continue;
                    }
                    if (carries(rec, line.length) && !carriers.contains(r)) {
                        carriers.add(r);
                    }
                }
            }
        }
        return new Result(null, plain.rows, tls.rows, plainHit, tlsHit, carriers, plain.pcap, tls.pcap,
                plain.log, tls.log);
    }

    /**
     * A TLS 1.3 record big enough for the line: text + 1 inner content-type byte + 16-byte AEAD
     * tag, plus at most 255 bytes of padding (the JDK, for one, pads records).
     */
    static boolean carries(TlsRecords.Record rec, int textLength) {
        return rec.contentType() == TlsRecords.APPLICATION_DATA
                && rec.length() >= textLength + 17 && rec.length() <= textLength + 17 + 255;
    }

    private static Hit find(List<PacketList.Row> rows, byte[] needle) {
        for (PacketList.Row r : rows) {
            int at = Bytes.indexOf(r.frame().data(), needle);
            if (at >= 0) {
                return new Hit(r.number(), at);
            }
        }
        return null;
    }

    private static final class Exchange {
        int port;
        String skipped;
        List<PacketList.Row> rows = List.of();
        Path pcap;
        List<String> log = List.of();
    }

    private Exchange exchange(byte[] line, javax.net.ssl.SSLContext tlsCtx, CertStore.Identity id)
            throws IOException, InterruptedException {
        Exchange ex = new Exchange();
        List<String> logLines = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch gone = new CountDownLatch(1);
        ServerLog log = new ServerLog(logLines::add);
        ServerEvents events = new ServerEvents() {
            @Override
            public void connected(InetSocketAddress peer) {
                log.connected(peer);
            }

            @Override
            public void received(InetSocketAddress peer, byte[] chunk) {
                log.received(peer, chunk);
            }

            @Override
            public void disconnected(InetSocketAddress peer) {
                log.disconnected(peer);
                gone.countDown();
            }

            @Override
            public void failed(InetSocketAddress peer, String why) {
                log.failed(peer, why);
                gone.countDown();
            }
        };
        try (InspectServer server = InspectServer.start(HOST, 0, tlsCtx, events)) {
            ex.port = server.port();
            LiveCapture cap = null;
            List<CapturedFrame> frames = java.util.Collections.synchronizedList(new ArrayList<>());
            try {
                cap = LiveCapture.open(null, "tcp port " + ex.port, 4 * 1024 * 1024);
                if (cap.linkType() == null) {
                    ex.skipped = "the loopback interface has link type " + cap.linkTypeCode() + ", which this tool does not decode";
                    cap.close();
                    cap = null;
                } else {
                    cap.start(frames::add);
                }
            } catch (CaptureUnavailable e) {
                ex.skipped = e.getMessage();
            }
            try {
                Socket s = tlsCtx == null
                        ? NetClient.connectPlain(HOST, ex.port)
                        : NetClient.connectTls(HOST, ex.port, "localhost", id.certificate(), id.certFile().toString());
                try (s) {
                    OutputStream o = s.getOutputStream();
                    o.write(line);
                    o.flush();
                    s.shutdownOutput();
                    gone.await(5, TimeUnit.SECONDS);
                    // Read what the server still sent (TLS 1.3 session tickets) until it closes:
                    // closing with unread data would end the capture with a reset instead of FINs.
                    s.setSoTimeout(2_000);
                    try {
                        s.getInputStream().readAllBytes();
                    } catch (IOException ignored) {
                        // a timeout or reset here only changes how the capture ends
                    }
                }
                if (cap != null) {
                    cap.awaitQuiet(150, 2_000);
                    cap.stop();
                    LinkType link = cap.linkType();
                    PacketList list = new PacketList(link);
                    List<CapturedFrame> copy;
                    synchronized (frames) {
                        copy = List.copyOf(frames);
                    }
                    copy.forEach(list::add);
                    ex.rows = list.rows();
                    ex.pcap = outDir.resolve(tlsCtx == null ? "plain.pcap" : "tls.pcap");
                    PcapFile.write(ex.pcap, link.code(), copy);
                }
            } finally {
                if (cap != null) {
                    cap.close();
                }
            }
        }
        synchronized (logLines) {
            ex.log = List.copyOf(logLines);
        }
        return ex;
    }

    /** The report: both packet lists, the hex dump with the secret marked, and the verdict. */
    public static void print(Result r, String secret, PrintWriter out) {
        out.println("== Plain TCP: the server logged ==");
        r.plainServerLog().forEach(l -> out.println("  " + l));
        out.println("== TLS 1.3: the server logged (after decrypting) ==");
        r.tlsServerLog().forEach(l -> out.println("  " + l));
        if (!r.captured()) {
            out.println("Capture skipped: " + r.skippedReason());
            out.println("Both exchanges ran; run the demo where capture is allowed to see them on the wire.");
            out.println(verdict(r));
            return;
        }
        out.println();
        out.println("== Plain TCP capture (" + r.plainPcap() + ") ==");
        out.println(PacketList.header());
        r.plainRows().forEach(row -> out.println(PacketList.format(row)));
        out.println();
        out.println("== TLS 1.3 capture (" + r.tlsPcap() + ") ==");
        out.println(PacketList.header());
        r.tlsRows().forEach(row -> out.println(PacketList.format(row)));
        out.println();
        out.println("== Verdict ==");
        int len = secret.getBytes(StandardCharsets.UTF_8).length;
        if (r.plainHit() != null) {
            PacketList.Row row = r.plainRows().get(r.plainHit().frame() - 1);
            int off = r.plainHit().offset();
            int inPayload = off - row.decoded().tcp().payloadOffset();
            out.printf("PLAIN TCP: the secret is readable in frame %d at byte offset %d (0x%04x),"
                    + " byte %d of the TCP payload:%n", row.number(), off, off, inPayload);
            byte[] data = row.frame().data();
            out.print(HexDump.format(data, 0, data.length, off, off + len, HexDump.Highlight.CARETS));
        } else {
            out.println("PLAIN TCP: the secret was not found in the plain capture (were frames lost?)");
        }
        if (r.tlsHit() != null) {
            out.printf("TLS 1.3: the secret IS readable in frame %d at byte offset %d - the TLS setup is broken%n",
                    r.tlsHit().frame(), r.tlsHit().offset());
        } else {
            out.printf("TLS 1.3: the secret appears in none of the %d frames of the TLS capture.%n", r.tlsRows().size());
            for (PacketList.Row c : r.tlsCarriers()) {
                for (TlsRecords.Record rec : c.tlsRecords()) {
                    if (carries(rec, len + 1)) {
                        out.printf("  It travelled in frame %d (%s → %s) as a %s Application Data record of %d bytes:"
                                        + " %d bytes of text + %d bytes of TLS overhead (content type, padding,"
                                        + " 16-byte authentication tag), all of it ciphertext.%n",
                                c.number(), c.decoded().tcp().srcPort(), c.decoded().tcp().dstPort(),
                                c.protocol(), rec.length(), len + 1, rec.length() - len - 1);
                    }
                }
            }
        }
        out.println("Open both files in Wireshark, or: tshark -r " + r.plainPcap() + " -x");
        out.println(verdict(r));
    }

    /** True when the run showed what section 3.1 claims: secret readable in plain TCP, not in TLS. */
    public static boolean asExpected(Result r) {
        return !r.captured() || (r.plainHit() != null && r.tlsHit() == null);
    }

    /**
     * The run in one sentence, on a line starting with "Verdict: " (./lab demo collects it into
     * its summary).
     */
    public static String verdict(Result r) {
        if (!r.captured()) {
            return "Verdict: capture skipped (" + shortReason(r.skippedReason()) + "); both exchanges ran";
        }
        if (r.tlsHit() != null) {
            return "Verdict: the secret was readable in TLS frame " + r.tlsHit().frame() + " too - the TLS setup is broken";
        }
        if (r.plainHit() == null) {
            return "Verdict: the secret was found in neither capture (plain-TCP frames lost?)";
        }
        return "Verdict: the secret was readable in plain-TCP frame " + r.plainHit().frame() + " at byte "
                + r.plainHit().offset() + " and absent from the TLS 1.3 capture";
    }

    /** The cause without the how-to-fix part, which the "Capture skipped" line above already gives. */
    static String shortReason(String why) {
        String s = why;
        int fix = s.indexOf("; ");
        if (fix > 0) {
            s = s.substring(0, fix);
        }
        int detail = s.indexOf("): ");
        if (detail > 0) {
            s = s.substring(0, detail + 1);
        }
        return s;
    }
}
