package dev.wirelab.part1.capture;

import dev.wirelab.common.FrameType;
import dev.wirelab.part1.capture.WirelabStream.WireFrame;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Expert marks for wirelab frames, the wirelab analogue of Wireshark's TCP analysis: part 2
 * injects faults above TCP, so TCP itself sees no retransmission; these marks show part 3's
 * recovery instead. A client's <em>session</em> is its HELLO id at one server address (so a DATA
 * resent after a reconnect is still a retransmission), or the connection itself without HELLO.
 * Frames with a bad CRC are shown but not counted: the receiver rejected them too.
 * State is bounded: the sessions seen least recently, and their oldest numbers, are forgotten first.
 */
public final class WirelabAnalysis {

    public enum Mark {
        /** A DATA seq this session already sent (after a timeout, an ERROR, a reconnect). */
        RETRANSMISSION("Retransmission"),
        /** An ACK seq this session already received. */
        DUPLICATE_ACK("Duplicate ACK"),
        /** A reply (ACK or ERROR) for a lower seq than a reply before it on the same connection. */
        OUT_OF_ORDER("Out-Of-Order reply");

        private final String text;

        Mark(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** A frame with its marks, and the packet-list text for it: {@code DATA seq=2 len=12 [Retransmission]}. */
    public record Analysed(WireFrame frame, List<Mark> marks) {
        public String info() {
            StringBuilder sb = new StringBuilder(frame.summary());
            for (Mark m : marks) {
                sb.append(" [").append(m.text()).append(']');
            }
            return sb.toString();
        }
    }

    /** What one TCP connection remembers: its session and the highest reply seq so far. */
    public static final class Connection {
        private final String key;
        private String session;
        private long highestReply = -1;

        public Connection(String key) {
            this.key = key;
        }
    }

    static final int MAX_SESSIONS = 1024;
    static final int MAX_SEQS = 65_536;

    private final Map<String, Session> sessions = bounded(MAX_SESSIONS);

    private static final class Session {
        final Set<Long> data = boundedSet();
        final Set<Long> acks = boundedSet();
    }

    /**
     * Marks the frames one direction of {@code conn} just completed; {@code server} names the
     * address the frames were sent to (for a HELLO: the server).
     */
    public List<Analysed> analyse(Connection conn, String server, List<WireFrame> frames) {
        List<Analysed> out = new ArrayList<>(frames.size());
        for (WireFrame f : frames) {
            List<Mark> marks = new ArrayList<>(1);
            if (f.crcOk()) {
                if (f.type() == FrameType.HELLO) {
                    conn.session = "hello " + new String(f.payload(), StandardCharsets.UTF_8) + " to " + server;
                }
                Session s = sessions.computeIfAbsent(conn.session != null ? conn.session : conn.key, k -> new Session());
                switch (f.type()) {
                    case DATA -> {
                        if (!s.data.add(f.seq())) {
                            marks.add(Mark.RETRANSMISSION);
                        }
                    }
                    case ACK, ERROR -> {
                        // ACK 0 answers a HELLO, which every reconnect sends again.
                        boolean duplicate = f.type() == FrameType.ACK && f.seq() != 0 && !s.acks.add(f.seq());
                        if (duplicate) {
                            marks.add(Mark.DUPLICATE_ACK);
                        } else if (f.seq() < conn.highestReply) {
                            marks.add(Mark.OUT_OF_ORDER);
                        }
                        conn.highestReply = Math.max(conn.highestReply, f.seq());
                    }
                    case HELLO -> {
                    }
                }
            }
            out.add(new Analysed(f, List.copyOf(marks)));
        }
        return out;
    }

    private static <V> Map<String, V> bounded(int max) {
        return new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        };
    }

    private static Set<Long> boundedSet() {
        return java.util.Collections.newSetFromMap(new LinkedHashMap<>(64, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > MAX_SEQS;
            }
        });
    }
}
