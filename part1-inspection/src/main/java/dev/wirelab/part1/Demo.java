package dev.wirelab.part1;

import dev.wirelab.common.Bytes;
import dev.wirelab.common.HexDump;
import dev.wirelab.part1.capture.CaptureUnavailable;
import dev.wirelab.part1.capture.CapturedFrame;
import dev.wirelab.part1.capture.FrameSource;
import dev.wirelab.part1.capture.KeyLogFile;
import dev.wirelab.part1.capture.LinkType;
import dev.wirelab.part1.capture.LiveCapture;
import dev.wirelab.part1.capture.PacketList;
import dev.wirelab.part1.capture.PcapFile;
import dev.wirelab.part1.capture.TlsDecryptor;
import dev.wirelab.part1.capture.TlsRecords;
import dev.wirelab.part1.net.InspectServer;
import dev.wirelab.part1.net.NetClient;
import dev.wirelab.part1.net.ServerEvents;
import dev.wirelab.part1.net.ServerLog;
import dev.wirelab.part1.tls.CertStore;
import dev.wirelab.part1.tls.KeyLog;
import dev.wirelab.part1.tls.KeyLoggingTls;
import dev.wirelab.part1.tls.ServerHandshake;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
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

/**
 * Section 3.1 in one run: the same secret sent once over plain TCP and once over TLS 1.3, both
 * captured on loopback, and a verdict on where the secret can be read. Where this machine does
 * not let the demo capture (no root, no libpcap), both exchanges still run, and the verdict is
 * drawn from two real captures bundled with wirelab instead, so the lesson is still on the screen.
 */
public final class Demo {

    public static final String DEFAULT_SECRET = "username=alice password=correct-horse-battery-staple";
    static final String HOST = "127.0.0.1";
    /** The bundled captures: made by this demo on Linux loopback (as root), with the default secret. */
    static final String BUNDLED_PLAIN = "plain-loopback.pcap";
    static final String BUNDLED_TLS = "tls13-loopback.pcap";
    /** The key log of the bundled TLS capture, written by this demo's client when it made it. */
    static final String BUNDLED_KEYS = "tls13-loopback.keys";
    /** Where a live run's client writes the TLS session's secrets. */
    static final String KEYS_FILE = "tls.keys";

    /** Opens a live capture with a BPF filter; a test swaps in one that fails as an unprivileged user's does. */
    @FunctionalInterface
    public interface CaptureOpener {
        FrameSource open(String filter) throws CaptureUnavailable;
    }

    /** Where the secret was found (frame number from 1, offset in the frame). */
    public record Hit(int frame, int offset) {
    }

    /** The record that carried the secret, opened with the session keys: its frame and what it holds. */
    public record Decrypted(int frame, String summary) {
    }

    /**
     * What a run established; the CLI prints it, tests assert on it. {@code skippedReason} is why
     * this run could not capture (null: it did); then the rows are the bundled captures', and
     * {@code secret} is the one they carry.
     */
    public record Result(String skippedReason, String secret, List<PacketList.Row> plainRows,
                         List<PacketList.Row> tlsRows, Hit plainHit, Hit tlsHit, List<PacketList.Row> tlsCarriers,
                         Path plainPcap, Path tlsPcap, List<String> plainServerLog, List<String> tlsServerLog,
                         Path tlsKeys, Decrypted decrypted) {
        /** A result without a key log (tlsKeys and decrypted null). */
        public Result(String skippedReason, String secret, List<PacketList.Row> plainRows,
                      List<PacketList.Row> tlsRows, Hit plainHit, Hit tlsHit, List<PacketList.Row> tlsCarriers,
                      Path plainPcap, Path tlsPcap, List<String> plainServerLog, List<String> tlsServerLog) {
            this(skippedReason, secret, plainRows, tlsRows, plainHit, tlsHit, tlsCarriers, plainPcap, tlsPcap,
                    plainServerLog, tlsServerLog, null, null);
        }

        public boolean captured() {
            return skippedReason == null;
        }
    }

    private final String secret;
    private final Path outDir;
    private final Path certDir;
    private final CaptureOpener captures;

    public Demo(String secret, Path outDir, Path certDir) {
        this(secret, outDir, certDir, filter -> LiveCapture.open(null, filter, 4 * 1024 * 1024));
    }

    public Demo(String secret, Path outDir, Path certDir, CaptureOpener captures) {
        this.secret = secret;
        this.outDir = outDir;
        this.certDir = certDir;
        this.captures = captures;
    }

    public Result run() throws IOException, InterruptedException {
        byte[] line = (secret + "\n").getBytes(StandardCharsets.UTF_8);
        CertStore.Identity id = CertStore.loadOrCreate(certDir);
        Exchange plain = exchange(line, null, id, "plain.pcap");
        Files.createDirectories(outDir);
        Path keysFile = outDir.resolve(KEYS_FILE);
        Files.deleteIfExists(keysFile); // this run's keys only: the file goes with this run's tls.pcap
        Exchange tls;
        try (KeyLog keys = KeyLog.open(keysFile)) {
            // The server logs the session keys (BouncyCastle's TLS); the client is the JDK's, as in the docs.
            tls = exchange(line, KeyLoggingTls.server(id, keys), id, "tls.pcap");
        }
        String skipped = plain.skipped != null ? plain.skipped : tls.skipped;
        if (skipped == null) {
            return analyse(null, secret, plain.rows, tls.rows, tls.port, plain.pcap, tls.pcap, plain.log, tls.log,
                    keysFile);
        }
        Path plainCopy = copyBundled(BUNDLED_PLAIN);
        Path tlsCopy = copyBundled(BUNDLED_TLS);
        Path keysCopy = copyBundled(BUNDLED_KEYS);
        List<PacketList.Row> plainRows = rows(PcapFile.read(plainCopy));
        List<PacketList.Row> tlsRows = rows(PcapFile.read(tlsCopy));
        return analyse(skipped, DEFAULT_SECRET, plainRows, tlsRows, serverPort(tlsRows), plainCopy, tlsCopy,
                plain.log, tls.log, keysCopy);
    }

    /** Copies a bundled capture into the output folder, where Wireshark can open it. */
    private Path copyBundled(String name) throws IOException {
        Path to = outDir.resolve(name);
        Files.createDirectories(outDir);
        try (InputStream in = Demo.class.getResourceAsStream("captures/" + name)) {
            if (in == null) {
                throw new IOException("the bundled capture " + name + " is missing from this build");
            }
            Files.copy(in, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (name.equals(BUNDLED_KEYS)) {
            KeyLog.ownerOnly(to); // a key log, even a demo's, is readable by its owner only
        }
        return to;
    }

    private static List<PacketList.Row> rows(PcapFile.Capture cap) {
        PacketList list = new PacketList(cap.linkType());
        cap.frames().forEach(list::add);
        return list.rows();
    }

    /** The port the first SYN went to: the server's. */
    static int serverPort(List<PacketList.Row> rows) {
        for (PacketList.Row r : rows) {
            var t = r.decoded().tcp();
            if (t != null && t.has(dev.wirelab.part1.capture.PacketDecoder.Tcp.SYN)
                    && !t.has(dev.wirelab.part1.capture.PacketDecoder.Tcp.ACK)) {
                return t.dstPort();
            }
        }
        return -1;
    }

    /** Where the secret is in each list, and which TLS record carried it. */
    static Result analyse(String skipped, String secret, List<PacketList.Row> plainRows, List<PacketList.Row> tlsRows,
                          int tlsPort, Path plainPcap, Path tlsPcap, List<String> plainLog, List<String> tlsLog,
                          Path tlsKeys) throws IOException {
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        int lineLength = needle.length + 1;
        List<PacketList.Row> carriers = new ArrayList<>();
        boolean finishedSkipped = false;
        for (PacketList.Row r : tlsRows) {
            if (r.decoded().tcp() != null && r.decoded().tcp().dstPort() == tlsPort) {
                for (TlsRecords.Record rec : r.tlsRecords()) {
                    if (rec.contentType() != TlsRecords.APPLICATION_DATA) {
                        continue;
                    }
                    if (!finishedSkipped) {
                        finishedSkipped = true; // the client's first encrypted record is its Finished
                        continue;
                    }
                    if (carries(rec, lineLength) && !carriers.contains(r)) {
                        carriers.add(r);
                    }
                }
            }
        }
        return new Result(skipped, secret, plainRows, tlsRows, find(plainRows, needle), find(tlsRows, needle), carriers,
                plainPcap, tlsPcap, plainLog, tlsLog, tlsKeys,
                tlsKeys == null ? null : decrypt(tlsRows, KeyLogFile.read(tlsKeys), needle));
    }

    /** The first record that, opened with the session keys, holds the secret (null: none). */
    static Decrypted decrypt(List<PacketList.Row> rows, KeyLogFile keys, byte[] needle) {
        TlsDecryptor d = new TlsDecryptor(keys);
        for (PacketList.Row r : rows) {
            for (TlsDecryptor.Decrypted x : d.add(r)) {
                if (x.contentType() == TlsRecords.APPLICATION_DATA && Bytes.indexOf(x.content(), needle) >= 0) {
                    return new Decrypted(x.frame(), x.summary());
                }
            }
        }
        return null;
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

    /** The server's events go to its log; a disconnect or a failure ends the exchange. */
    private static ServerEvents logging(ServerLog log, CountDownLatch gone) {
        return new ServerEvents() {
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
    }

    private Exchange exchange(byte[] line, ServerHandshake serverTls, CertStore.Identity id, String file)
            throws IOException, InterruptedException {
        Exchange ex = new Exchange();
        List<String> logLines = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch gone = new CountDownLatch(1);
        try (InspectServer server = InspectServer.startWith(HOST, 0, serverTls, logging(new ServerLog(logLines::add), gone),
                InspectServer.Limits.DEFAULT)) {
            ex.port = server.port();
            FrameSource cap = null;
            List<CapturedFrame> frames = Collections.synchronizedList(new ArrayList<>());
            try {
                cap = captures.open("tcp port " + ex.port);
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
                send(line, serverTls != null, id, ex.port, gone);
                if (cap != null) {
                    cap.awaitQuiet(150, 2_000);
                    cap.stop();
                    LinkType link = cap.linkType();
                    List<CapturedFrame> copy;
                    synchronized (frames) {
                        copy = List.copyOf(frames);
                    }
                    ex.rows = rows(new PcapFile.Capture(link.code(), copy));
                    ex.pcap = outDir.resolve(file);
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

    private static void send(byte[] line, boolean tls, CertStore.Identity id, int port, CountDownLatch gone)
            throws IOException, InterruptedException {
        Socket s = !tls
                ? NetClient.connectPlain(HOST, port)
                : NetClient.connectTls(HOST, port, "localhost", id.certificate(), id.certFile().toString());
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
    }

    /** The report: both packet lists, the hex dump with the secret marked, and the verdict. */
    public static void print(Result r, PrintWriter out) {
        out.println("== Plain TCP: the server logged ==");
        r.plainServerLog().forEach(l -> out.println("  " + l));
        out.println("== TLS 1.3: the server logged (after decrypting) ==");
        r.tlsServerLog().forEach(l -> out.println("  " + l));
        String source = "";
        if (!r.captured()) {
            out.println();
            out.println("Capture not possible here: " + r.skippedReason());
            out.println("Both exchanges ran, but nothing was captured. Shown instead: the two captures bundled with");
            out.println("wirelab, made by this demo on Linux loopback with the secret \"" + r.secret() + "\".");
            source = "bundled, ";
        }
        out.println();
        out.println("== Plain TCP capture (" + source + r.plainPcap() + ") ==");
        out.println(PacketList.header());
        r.plainRows().forEach(row -> out.println(PacketList.format(row)));
        out.println();
        out.println("== TLS 1.3 capture (" + source + r.tlsPcap() + ") ==");
        out.println(PacketList.header());
        r.tlsRows().forEach(row -> out.println(PacketList.format(row)));
        out.println();
        out.println("== Verdict ==");
        int len = r.secret().getBytes(StandardCharsets.UTF_8).length;
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
        if (r.tlsKeys() != null) {
            printWithKeys(r, out);
        }
        out.println("Open both files in Wireshark, or: tshark -r " + r.plainPcap() + " -x");
        out.println(verdict(r));
    }

    /** The third verdict, and what an observer without the keys still learns. */
    private static void printWithKeys(Result r, PrintWriter out) {
        if (r.decrypted() != null) {
            out.printf("WITH THE SESSION KEYS (%s): the secret is readable again in frame %d, decrypted:%n",
                    r.tlsKeys(), r.decrypted().frame());
            out.println("  " + r.decrypted().summary());
        } else {
            out.printf("WITH THE SESSION KEYS (%s): no record of the TLS capture decrypted to the secret%n", r.tlsKeys());
        }
        out.println("  Decrypt it yourself: ./lab part1 capture --read " + r.tlsPcap() + " --keylog " + r.tlsKeys());
        out.println("  or: tshark -o tls.keylog_file:" + r.tlsKeys() + " -r " + r.tlsPcap());
        out.println("WITHOUT THE KEYS, TLS still shows:");
        visibleWithoutKeys(r).forEach(l -> out.println("  " + l));
    }

    /** What the TLS capture tells anyone: the server name, who talks to whom, sizes, timing. */
    static List<String> visibleWithoutKeys(Result r) {
        List<String> lines = new ArrayList<>();
        PacketList.Row hello = null;
        PacketList.Row finished = null;
        for (PacketList.Row row : r.tlsRows()) {
            for (TlsRecords.Record rec : row.tlsRecords()) {
                if (hello == null && rec.bytes() != null && rec.name().startsWith("Client Hello")) {
                    hello = row;
                } else if (hello != null && finished == null && rec.contentType() == TlsRecords.APPLICATION_DATA
                        && row.decoded().tcp().srcPort() == hello.decoded().tcp().srcPort()) {
                    finished = row; // the client's first encrypted record is its Finished
                }
            }
        }
        if (hello == null) {
            return List.of("(no Client Hello in the capture)");
        }
        String sni = TlsRecords.serverName(hello.tlsRecords().getFirst().bytes());
        lines.add("the server name: " + (sni == null ? "none sent (no SNI)"
                : "\"" + Bytes.escape(sni.getBytes(StandardCharsets.ISO_8859_1)) + "\" in the Client Hello's SNI")
                + " (frame " + hello.number() + ")");
        var t = hello.decoded().tcp();
        lines.add("who talks to whom: " + hello.source() + " port " + t.srcPort() + " to " + hello.destination()
                + " port " + t.dstPort());
        int textLength = r.secret().getBytes(StandardCharsets.UTF_8).length + 1;
        for (PacketList.Row c : r.tlsCarriers()) {
            for (TlsRecords.Record rec : c.tlsRecords()) {
                if (carries(rec, textLength)) {
                    lines.add("sizes: every record's length is in its header; the " + textLength + "-byte line is the "
                            + rec.length() + "-byte record in frame " + c.number());
                }
            }
        }
        PacketList.Row last = r.tlsRows().getLast();
        String timing = "timing: " + r.tlsRows().size() + " frames in " + millis(last.time() - r.tlsRows().getFirst().time());
        if (finished != null) {
            timing += ", the handshake took " + millis(finished.time() - hello.time()) + " (frames " + hello.number()
                    + " to " + finished.number() + ")";
        }
        lines.add(timing);
        return lines;
    }

    private static String millis(double seconds) {
        return String.format(java.util.Locale.ROOT, "%.1f ms", seconds * 1000);
    }

    /** True when the captures show what section 3.1 claims: secret readable in plain TCP, not in TLS. */
    public static boolean asExpected(Result r) {
        return r.plainHit() != null && r.tlsHit() == null && (r.tlsKeys() == null || r.decrypted() != null);
    }

    /**
     * The run in one sentence, on a line starting with "Verdict: " (./lab demo collects it into
     * its summary).
     */
    public static String verdict(Result r) {
        String where = r.captured() ? "" : "capture not possible here (" + shortReason(r.skippedReason())
                + "); in the bundled captures ";
        String prefix = "Verdict: " + where;
        if (r.tlsHit() != null) {
            return prefix + "the secret was readable in TLS frame " + r.tlsHit().frame() + " too - the TLS setup is broken";
        }
        if (r.plainHit() == null) {
            return prefix + "the secret was found in neither capture (plain-TCP frames lost?)";
        }
        String keys = r.tlsKeys() == null ? ""
                : r.decrypted() != null ? ", readable again with the session keys in TLS frame " + r.decrypted().frame()
                : ", and the session keys did not decrypt it";
        return prefix + "the secret was readable in plain-TCP frame " + r.plainHit().frame() + " at byte "
                + r.plainHit().offset() + " and absent from the TLS 1.3 capture" + keys;
    }

    /** The cause without the how-to-fix part, which the "Capture not possible" line already gives. */
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
