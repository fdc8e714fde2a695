package dev.wirelab.part1.capture;

import dev.wirelab.common.HexDump;
import dev.wirelab.part1.capture.PacketDecoder.Decoded;
import dev.wirelab.part1.capture.PacketDecoder.Tcp;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wireshark's "Follow TCP Stream": each TCP connection's payload in order, both directions, the
 * client (the side that sent the SYN, else the one seen first) and the server marked. Each
 * direction is put back in order by sequence number ({@link TcpReassembler}), so out-of-order and
 * retransmitted segments show their bytes once, in place, and bytes that were never captured are
 * marked as missing. Consecutive bytes in one direction form one block, as in Wireshark.
 *
 * <p>Pure and single pass: {@link #add} returns the streams that a frame ended (FIN both ways, or
 * RST), {@link #finish} the rest. Bounded for a long live capture: at most {@link #MAX_OPEN}
 * streams are open (the one idle longest is ended early), a stream keeps at most
 * {@link #MAX_KEPT} bytes, counting what it leaves out, and each direction holds back at most
 * {@link #MAX_HELD} out-of-order bytes.
 */
public final class TcpFollow {

    static final int MAX_OPEN = 256;
    static final int MAX_KEPT = 256 * 1024;
    /** Out-of-order bytes each direction holds back before it reports them missing. */
    static final int MAX_HELD = 64 * 1024;

    /** One direction's run of bytes, or bytes that never came. */
    public sealed interface Block permits Bytes, Missing {
        boolean fromClient();
    }

    /** Bytes in order, delivered by frames {@code firstFrame}..{@code lastFrame}. */
    public record Bytes(boolean fromClient, byte[] data, int firstFrame, int lastFrame) implements Block {
    }

    /** {@code length} bytes of this direction were not captured. */
    public record Missing(boolean fromClient, long length) implements Block {
    }

    /**
     * A followed connection: {@code number} counts from 0 in order of first appearance, like
     * Wireshark's {@code tcp.stream}; the byte counts are of the whole stream, kept or not.
     */
    public record Stream(int number, String client, String server, int firstFrame, int lastFrame, List<Block> blocks,
                         long clientBytes, long serverBytes, long notKept) {
    }

    private final LinkType link;
    private final Map<String, Open> open = new LinkedHashMap<>(64, 0.75f, true);
    private int streams;
    private int frames;

    public TcpFollow(LinkType link) {
        this.link = link;
    }

    private static final class Open {
        final int number;
        final String clientKey;
        final String client;
        final String server;
        final int firstFrame;
        int lastFrame;
        final TcpReassembler fromClient = new TcpReassembler(MAX_HELD);
        final TcpReassembler fromServer = new TcpReassembler(MAX_HELD);
        final List<Block> blocks = new ArrayList<>();
        ByteArrayOutputStream run;
        boolean runFromClient;
        int runFirst;
        int runLast;
        long clientBytes;
        long serverBytes;
        long kept;
        long notKept;
        boolean clientFin;
        boolean serverFin;
        /** Shown already; kept so that the last ACKs of its teardown do not open a stream. */
        boolean done;

        Open(int number, String clientKey, String client, String server, int frame) {
            this.number = number;
            this.clientKey = clientKey;
            this.client = client;
            this.server = server;
            this.firstFrame = frame;
            this.lastFrame = frame;
        }

        void take(boolean c, List<TcpReassembler.Piece> pieces) {
            for (TcpReassembler.Piece p : pieces) {
                switch (p) {
                    case TcpReassembler.Data d -> {
                        if (c) {
                            clientBytes += d.bytes().length;
                        } else {
                            serverBytes += d.bytes().length;
                        }
                        int room = (int) Math.max(0, Math.min(d.bytes().length, MAX_KEPT - kept));
                        notKept += d.bytes().length - room;
                        if (room == 0) {
                            continue;
                        }
                        if (run == null || runFromClient != c) {
                            endRun();
                            run = new ByteArrayOutputStream();
                            runFromClient = c;
                            runFirst = d.frame();
                            runLast = d.frame();
                        }
                        run.write(d.bytes(), 0, room);
                        runFirst = Math.min(runFirst, d.frame());
                        runLast = Math.max(runLast, d.frame());
                        kept += room;
                    }
                    case TcpReassembler.Gap g -> {
                        endRun();
                        blocks.add(new Missing(c, g.length()));
                    }
                }
            }
        }

        void endRun() {
            if (run != null) {
                blocks.add(new Bytes(runFromClient, run.toByteArray(), runFirst, runLast));
                run = null;
            }
        }

        Stream close() {
            take(true, fromClient.finish());
            take(false, fromServer.finish());
            endRun();
            return new Stream(number, client, server, firstFrame, lastFrame, List.copyOf(blocks), clientBytes,
                    serverBytes, notKept);
        }
    }

    /** Adds one frame; returns the streams it ended (usually none). */
    public List<Stream> add(CapturedFrame f) {
        int no = ++frames;
        Decoded d = PacketDecoder.decode(link, f.data());
        Tcp t = d.tcp();
        if (t == null) {
            return List.of();
        }
        String src = endpoint(d.src(), t.srcPort());
        String dst = endpoint(d.dst(), t.dstPort());
        String key = src.compareTo(dst) < 0 ? src + " " + dst : dst + " " + src;
        List<Stream> ended = new ArrayList<>(1);
        Open s = open.get(key);
        boolean newSyn = t.has(Tcp.SYN) && !t.has(Tcp.ACK);
        if (s != null && s.done) {
            if (!newSyn) {
                return List.of();
            }
            open.remove(key);
            s = null;
        } else if (s != null && newSyn && s.clientKey.equals(src) && (s.clientBytes > 0 || s.clientFin)) {
            ended.add(open.remove(key).close()); // the same ports used again: a new connection
            s = null;
        }
        if (s == null) {
            // The SYN's sender is the client; a SYN-ACK's receiver; else whoever spoke first.
            boolean srcIsClient = !(t.has(Tcp.SYN) && t.has(Tcp.ACK));
            s = new Open(streams++, srcIsClient ? src : dst, srcIsClient ? src : dst, srcIsClient ? dst : src, no);
            open.put(key, s);
            if (open.size() > MAX_OPEN) {
                Iterator<Open> eldest = open.values().iterator();
                Open o = eldest.next();
                if (!o.done) {
                    ended.add(o.close());
                }
                eldest.remove();
            }
        }
        s.lastFrame = no;
        boolean c = s.clientKey.equals(src);
        TcpReassembler r = c ? s.fromClient : s.fromServer;
        if (t.has(Tcp.SYN)) {
            r.syn(t.seq());
        }
        if (t.payloadLength() > 0) {
            s.take(c, r.add(t.seq(), f.data(), t.payloadOffset(), t.payloadLength(), no));
        }
        if (t.has(Tcp.FIN)) {
            if (c) {
                s.clientFin = true;
            } else {
                s.serverFin = true;
            }
        }
        if (t.has(Tcp.RST) || (s.clientFin && s.serverFin)) {
            ended.add(s.close());
            s.done = true;
        }
        return ended;
    }

    /** At the end of the capture: every stream still open, in the order they started. */
    public List<Stream> finish() {
        List<Stream> out = new ArrayList<>();
        open.values().stream().filter(o -> !o.done).sorted(java.util.Comparator.comparingInt(o -> o.number))
                .forEach(o -> out.add(o.close()));
        open.clear();
        return out;
    }

    private static String escapeAscii(byte[] data, int off, int len) {
        StringBuilder sb = new StringBuilder(len + 16);
        for (int i = off; i < off + len; i++) {
            int b = data[i] & 0xFF;
            switch (b) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (b >= 0x20 && b < 0x7f) {
                        sb.append((char) b);
                    } else {
                        sb.append(String.format("\\x%02x", b));
                    }
                }
            }
        }
        return sb.toString();
    }

    private static String endpoint(String host, int port) {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    /**
     * The stream as text: a header naming client and server, each block under a line saying
     * which side sent it, text escaped ({@code \n}, {@code \x01}: every byte visible, nothing a
     * peer sends can move the terminal's cursor) and broken after each newline, or with
     * {@code hex} as Wireshark's hex + ASCII dump.
     */
    public static String format(Stream s, boolean hex) {
        StringBuilder sb = new StringBuilder();
        sb.append("===== TCP stream ").append(s.number()).append(": client ").append(s.client()).append(", server ")
                .append(s.server()).append(" (frames ").append(s.firstFrame()).append('–').append(s.lastFrame())
                .append(") =====\n");
        for (Block b : s.blocks()) {
            String dir = b.fromClient() ? "client → server" : "server → client";
            switch (b) {
                case Bytes x -> {
                    sb.append(dir).append(", ").append(x.data().length).append(x.data().length == 1 ? " byte" : " bytes")
                            .append(x.firstFrame() == x.lastFrame() ? ", frame " + x.firstFrame()
                                    : ", frames " + x.firstFrame() + "–" + x.lastFrame()).append('\n');
                    if (hex) {
                        sb.append(HexDump.format(x.data()));
                    } else {
                        appendText(sb, x.data());
                    }
                }
                case Missing m -> sb.append(dir).append(": ").append(m.length())
                        .append(" bytes missing (never captured)\n");
            }
        }
        sb.append("client sent ").append(s.clientBytes()).append(" bytes, server ").append(s.serverBytes())
                .append(" bytes");
        if (s.notKept() > 0) {
            sb.append(" (the last ").append(s.notKept()).append(" not shown: at most ").append(MAX_KEPT)
                    .append(" bytes per stream)");
        }
        return sb.append('\n').toString();
    }

    /**
     * Text (valid UTF-8) is shown as text; any other block byte by byte, so that binary bytes
     * that happen to form a UTF-8 character are not shown as one.
     */
    private static void appendText(StringBuilder sb, byte[] data) {
        boolean text = dev.wirelab.common.Bytes.isUtf8(data, 0, data.length);
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n' || i == data.length - 1) {
                sb.append("    ").append(text ? dev.wirelab.common.Bytes.escape(data, start, i + 1 - start)
                        : escapeAscii(data, start, i + 1 - start)).append('\n');
                start = i + 1;
            }
        }
    }
}
