package dev.wirelab.part1.capture;

import dev.wirelab.part1.capture.PacketDecoder.Decoded;
import dev.wirelab.part1.capture.PacketDecoder.Tcp;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds Wireshark's packet list one frame at a time: relative sequence numbers per TCP
 * direction, scaled windows once both SYNs were seen, and TLS records reassembled across
 * segments and named as Wireshark names them (with the ports in front, which Wireshark leaves out
 * of TLS rows). Single pass, like {@code tshark -r}, so it can print live.
 */
public final class PacketList {

    /**
     * One row, plus what the demo and the analyses need: the decoded headers, the TLS records and
     * the wirelab frames it completed.
     */
    public record Row(int number, CapturedFrame frame, double time, String source, String destination,
                      String protocol, int length, String info, Decoded decoded,
                      List<TlsRecords.Record> tlsRecords, List<WirelabAnalysis.Analysed> wirelab) {

        public Row(int number, CapturedFrame frame, double time, String source, String destination,
                   String protocol, int length, String info, Decoded decoded, List<TlsRecords.Record> tlsRecords) {
            this(number, frame, time, source, destination, protocol, length, info, decoded, tlsRecords, List.of());
        }
    }

    /** TCP state is kept for this many conversations at most, so a long live capture stays bounded. */
    static final int MAX_TRACKED = 4096;
    /** Out-of-order bytes one direction holds back before it reports a gap. */
    static final int HELD_PER_DIRECTION = 64 * 1024;

    private final LinkType link;
    private final boolean keepRows;
    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Direction> directions = bounded(2 * MAX_TRACKED);
    private final Map<String, Conversation> conversations = bounded(MAX_TRACKED);
    private final WirelabAnalysis wirelabAnalysis = new WirelabAnalysis();
    private long firstNanos = Long.MIN_VALUE;
    private int count;

    /** A list that keeps its rows (for files and the demo). */
    public PacketList(LinkType link) {
        this(link, true);
    }

    /** {@code keepRows = false} for a live capture that only prints: memory then stays bounded. */
    public PacketList(LinkType link, boolean keepRows) {
        this.link = link;
        this.keepRows = keepRows;
    }

    private static <V> Map<String, V> bounded(int max) {
        // Access order: the conversations not seen for longest are forgotten first.
        return new java.util.LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        };
    }

    public LinkType linkType() {
        return link;
    }

    int trackedConversations() {
        return conversations.size();
    }

    public List<Row> rows() {
        return List.copyOf(rows);
    }

    /** Column titles, aligned with {@link #format(Row)}. */
    public static String header() {
        return String.format("%5s %-11s %-15s %-15s %-8s %6s %s", "No.", "Time", "Source", "Destination",
                "Protocol", "Length", "Info");
    }

    /** Same layout as {@link #header()}; built by hand because String.format is slow at 100k rows/s. */
    public static String format(Row r) {
        StringBuilder sb = new StringBuilder(160);
        padLeft(sb, Integer.toString(r.number()), 5).append(' ');
        long micros = Math.round(r.time() * 1e6);
        String time;
        if (micros >= 0) {
            String frac = Long.toString(micros % 1_000_000);
            time = micros / 1_000_000 + "." + "0".repeat(6 - frac.length()) + frac;
        } else {
            time = String.format(java.util.Locale.ROOT, "%.6f", r.time()); // a file whose clock went backwards
        }
        padRight(sb, time, 11).append(' ');
        padRight(sb, r.source(), 15).append(' ');
        padRight(sb, r.destination(), 15).append(' ');
        padRight(sb, r.protocol(), 8).append(' ');
        padLeft(sb, Integer.toString(r.length()), 6).append(' ');
        return sb.append(r.info()).toString();
    }

    private static StringBuilder padLeft(StringBuilder sb, String s, int width) {
        sb.append(" ".repeat(Math.max(0, width - s.length())));
        return sb.append(s);
    }

    private static StringBuilder padRight(StringBuilder sb, String s, int width) {
        sb.append(s);
        return sb.append(" ".repeat(Math.max(0, width - s.length())));
    }

    public Row add(CapturedFrame f) {
        if (firstNanos == Long.MIN_VALUE) {
            firstNanos = f.epochNanos();
        }
        double time = (f.epochNanos() - firstNanos) / 1e9;
        Decoded d = PacketDecoder.decode(link, f.data());
        int no = ++count;
        Row row;
        if (d.tcp() != null) {
            row = tcpRow(no, f, time, d);
        } else if (d.udp() != null) {
            var u = d.udp();
            row = new Row(no, f, time, d.src(), d.dst(), "UDP", f.wireLength(),
                    u.srcPort() + " → " + u.dstPort() + " Len=" + u.payloadLength(), d, List.of());
        } else if (d.src() != null) {
            String proto = switch (d.ipProtocol()) {
                case 1 -> "ICMP";
                case 58 -> "ICMPv6";
                case 6 -> "TCP";
                default -> d.network();
            };
            row = new Row(no, f, time, d.src(), d.dst(), proto, f.wireLength(),
                    d.network() + " protocol " + d.ipProtocol(), d, List.of());
        } else {
            String what = d.network() == null ? (link == null ? "unsupported link type" : "truncated frame") : d.network();
            row = new Row(no, f, time, "", "", d.network() == null ? "?" : d.network(), f.wireLength(), what, d, List.of());
        }
        if (keepRows) {
            rows.add(row);
        }
        return row;
    }

    private Row tcpRow(int no, CapturedFrame f, double time, Decoded d) {
        Tcp t = d.tcp();
        String fwdKey = d.src() + "|" + t.srcPort() + "|" + d.dst() + "|" + t.dstPort();
        String revKey = d.dst() + "|" + t.dstPort() + "|" + d.src() + "|" + t.srcPort();
        String convKey = fwdKey.compareTo(revKey) < 0 ? fwdKey : revKey;
        Conversation conv = conversations.computeIfAbsent(convKey, k -> new Conversation(k));
        Direction fwd = directions.computeIfAbsent(fwdKey, k -> new Direction());
        Direction rev = directions.computeIfAbsent(revKey, k -> new Direction());
        if (t.has(Tcp.SYN)) {
            fwd.reset();
            fwd.base = t.seq();
            fwd.synSeen = true;
            fwd.windowShift = t.windowShift();
            fwd.next = t.seq() + 1;
            fwd.stream.syn(t.seq());
        } else if (fwd.base < 0) {
            // Mid-stream start: Wireshark counts the first byte it sees as byte 1.
            fwd.base = (t.seq() - 1) & 0xFFFFFFFFL;
            fwd.next = t.seq();
        }
        if (t.has(Tcp.ACK) && rev.base < 0) {
            rev.base = (t.ack() - 1) & 0xFFFFFFFFL;
            rev.next = t.ack();
        }
        StringBuilder info = new StringBuilder();
        info.append(t.srcPort()).append(" → ").append(t.dstPort()).append(" [").append(flags(t)).append("] ");
        info.append("Seq=").append(rel(t.seq(), fwd.base));
        if (t.has(Tcp.ACK)) {
            info.append(" Ack=").append(rel(t.ack(), rev.base));
        }
        long win = t.window();
        if (!t.has(Tcp.SYN) && fwd.synSeen && rev.synSeen && fwd.windowShift >= 0 && rev.windowShift >= 0) {
            win = win << fwd.windowShift;
        }
        info.append(" Win=").append(win).append(" Len=").append(t.payloadLength());
        for (int kind : t.optionOrder()) {
            switch (kind) {
                case PacketDecoder.OPT_MSS -> info.append(" MSS=").append(t.mss());
                case PacketDecoder.OPT_SACK_PERM -> info.append(" SACK_PERM");
                case PacketDecoder.OPT_TS -> info.append(" TSval=").append(t.tsval()).append(" TSecr=").append(t.tsecr());
                case PacketDecoder.OPT_WS -> info.append(" WS=").append(1L << Math.min(t.windowShift(), 14));
                default -> {
                }
            }
        }
        String protocol = "TCP";
        List<TlsRecords.Record> records = List.of();
        List<WirelabAnalysis.Analysed> wirelab = List.of();
        if (t.payloadLength() > 0) {
            // Decided on the stream's first bytes: a segment that arrived early cannot say, so it
            // waits in the reassembler in case the stream turns out to be wirelab.
            boolean early = !conv.decided && fwd.next >= 0 && t.seq() != fwd.next;
            if (early) {
                fwd.stream.add(t.seq(), f.data(), t.payloadOffset(), t.payloadLength(), no);
            } else if (!conv.decided) {
                conv.decided = true;
                conv.tls = TlsRecords.looksLikeTls(f.data(), t.payloadOffset(), t.payloadLength());
                // By magic, version and type, whatever the port: a student's server may listen anywhere.
                conv.wirelab = !conv.tls && t.payloadLength() >= 4
                        && WirelabStream.plausible(f.data(), t.payloadOffset(), 4);
                if (!conv.wirelab) {
                    fwd.stream = new TcpReassembler(HELD_PER_DIRECTION); // drop what waited
                }
            }
            if (conv.wirelab) {
                long heldBefore = fwd.stream.heldBytes();
                var pieces = fwd.stream.add(t.seq(), f.data(), t.payloadOffset(), t.payloadLength(), no);
                // Nothing delivered and nothing new held back: TCP sent bytes it had sent before.
                boolean resent = pieces.isEmpty() && fwd.stream.heldBytes() == heldBefore;
                wirelab = wirelabAnalysis.analyse(conv.wirelabState, d.dst() + ":" + t.dstPort(), fwd.wirelab.feed(pieces));
                if (!wirelab.isEmpty()) {
                    protocol = "WIRELAB";
                    info.setLength(0);
                    info.append(t.srcPort()).append(" → ").append(t.dstPort()).append(' ');
                    for (int i = 0; i < wirelab.size(); i++) {
                        info.append(i > 0 ? ", " : "").append(wirelab.get(i).info());
                    }
                } else if (resent) {
                    info.append(" [TCP Retransmission]");
                } else if (fwd.wirelab.brokenReason() == null) {
                    info.append(" [TCP segment of a reassembled PDU]");
                }
            }
            if (conv.tls) {
                records = fwd.feedTls(f.data(), t.payloadOffset(), t.payloadLength(), t.seq(), conv);
                if (!records.isEmpty()) {
                    protocol = conv.protocolName(records);
                    // Wireshark leaves the ports out of TLS rows; we keep them, so that the
                    // direction of every encrypted record can be read off the list.
                    info.setLength(0);
                    info.append(t.srcPort()).append(" → ").append(t.dstPort()).append(' ');
                    int names = info.length();
                    for (TlsRecords.Record r : records) {
                        if (info.length() > names) {
                            info.append(", ");
                        }
                        info.append(r.name());
                    }
                } else if (!fwd.broken) {
                    info.append(" [TCP segment of a reassembled PDU]");
                }
            }
        }
        if (t.has(Tcp.SYN) || t.has(Tcp.FIN)) {
            fwd.next = (t.seq() + t.payloadLength() + 1) & 0xFFFFFFFFL;
        }
        return new Row(no, f, time, d.src(), d.dst(), protocol, f.wireLength(), info.toString(), d, records, wirelab);
    }

    private static long rel(long value, long base) {
        return base < 0 ? value : (value - base) & 0xFFFFFFFFL;
    }

    private static String flags(Tcp t) {
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            if ((t.flags() & (1 << i)) != 0) {
                if (!sb.isEmpty()) {
                    sb.append(", ");
                }
                sb.append(names[i]);
            }
        }
        return sb.isEmpty() ? "<None>" : sb.toString();
    }

    /** Per-conversation TLS facts: whether it is TLS and which version the Server Hello chose. */
    private static final class Conversation {
        boolean decided;
        boolean tls;
        boolean wirelab;
        int version;
        final WirelabAnalysis.Connection wirelabState;

        Conversation(String key) {
            wirelabState = new WirelabAnalysis.Connection(key);
        }

        String protocolName(List<TlsRecords.Record> records) {
            for (TlsRecords.Record r : records) {
                if (r.negotiatedVersion() != 0) {
                    version = r.negotiatedVersion();
                }
            }
            if (version != 0) {
                return TlsRecords.versionName(version);
            }
            return TlsRecords.versionName(records.getFirst().version());
        }
    }

    /** One direction of a TCP conversation: sequence base and the TLS byte stream so far. */
    private static final class Direction {
        long base = -1;
        long next = -1;
        boolean synSeen;
        int windowShift = -1;
        boolean broken;
        boolean encrypted;
        final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        // Out-of-order bytes are rare on the paths students capture; a small bound keeps thousands
        // of tracked directions cheap.
        TcpReassembler stream = new TcpReassembler(HELD_PER_DIRECTION);
        WirelabStream wirelab = new WirelabStream();

        void reset() {
            base = -1;
            next = -1;
            synSeen = false;
            windowShift = -1;
            broken = false;
            encrypted = false;
            pending.reset();
            stream = new TcpReassembler(HELD_PER_DIRECTION);
            wirelab = new WirelabStream();
        }

        List<TlsRecords.Record> feedTls(byte[] data, int off, int len, long seq, Conversation conv) {
            if (broken) {
                return List.of();
            }
            if (next >= 0 && seq != next) {
                long behind = (next - seq) & 0xFFFFFFFFL;
                if (behind > 0 && behind < 0x80000000L) {
                    return List.of(); // a retransmission of bytes already read
                }
                broken = true; // a gap: the stream cannot be followed any more
                return List.of();
            }
            next = (seq + len) & 0xFFFFFFFFL;
            pending.write(data, off, len);
            byte[] buf = pending.toByteArray();
            List<TlsRecords.Record> out = new ArrayList<>();
            int p = 0;
            while (buf.length - p >= TlsRecords.HEADER) {
                if (!TlsRecords.validHeader(buf, p)) {
                    broken = true;
                    pending.reset();
                    return out;
                }
                int bodyLen = PacketDecoder.u16(buf, p + 3);
                if (buf.length - p < TlsRecords.HEADER + bodyLen) {
                    break;
                }
                TlsRecords.Record r = TlsRecords.describe(buf, p, encrypted && conv.version != 0x0304);
                if (r.contentType() == TlsRecords.CHANGE_CIPHER_SPEC) {
                    encrypted = true;
                }
                if (r.negotiatedVersion() != 0) {
                    conv.version = r.negotiatedVersion();
                }
                out.add(r);
                p += TlsRecords.HEADER + bodyLen;
            }
            pending.reset();
            pending.write(buf, p, buf.length - p);
            return out;
        }
    }
}
