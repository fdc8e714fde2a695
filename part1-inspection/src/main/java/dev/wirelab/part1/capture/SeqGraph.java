package dev.wirelab.part1.capture;

import dev.wirelab.part1.capture.WirelabAnalysis.Analysed;
import dev.wirelab.part1.capture.WirelabAnalysis.Mark;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data of a time-sequence graph of a wirelab exchange, the wirelab analogue of Wireshark's
 * Stevens graph: each frame a point at (milliseconds since the capture's first frame, its seq),
 * one series per kind, so that a loss, the retransmission after it, a duplicate ACK and an ERROR
 * stand out. Pure: {@link SeqGraphChart} draws it.
 */
public record SeqGraph(List<Series> series, int frames, int connections) {

    /** Series names, in the order they are drawn (and listed in the legend). */
    public static final String HELLO = "HELLO";
    public static final String DATA = "DATA";
    public static final String RETRANSMISSION = "DATA retransmission";
    public static final String ACK = "ACK";
    public static final String ODD_ACK = "ACK duplicate / out of order";
    public static final String ERROR = "ERROR";
    public static final String CRC_BAD = "CRC BAD";
    static final List<String> ORDER = List.of(HELLO, DATA, RETRANSMISSION, ACK, ODD_ACK, ERROR, CRC_BAD);

    /** One point: when (ms since the first frame), which seq, and the packet it came in. */
    public record Point(double millis, long seq, int frame) {
    }

    public record Series(String name, List<Point> points) {
    }

    /** What was drawn, for the command's closing line: {@code 26 wirelab frames in 2 TCP connections}. */
    public String summary() {
        return frames + " wirelab frames in " + connections + " TCP connection" + (connections == 1 ? "" : "s");
    }

    /** Series by name; empty when no frame is of that kind. */
    public List<Point> points(String name) {
        return series.stream().filter(s -> s.name().equals(name)).findFirst().map(Series::points).orElse(List.of());
    }

    /** Collects the points from packet-list rows, in capture order. */
    public static final class Builder {
        private final Map<String, List<Point>> points = new LinkedHashMap<>();
        private final java.util.Set<String> connections = new java.util.HashSet<>();
        private int frames;

        public Builder() {
            ORDER.forEach(n -> points.put(n, new ArrayList<>()));
        }

        public void add(PacketList.Row row) {
            if (row.wirelab().isEmpty()) {
                return;
            }
            var tcp = row.decoded().tcp();
            String a = row.source() + ":" + tcp.srcPort();
            String b = row.destination() + ":" + tcp.dstPort();
            connections.add(a.compareTo(b) < 0 ? a + " " + b : b + " " + a);
            for (Analysed w : row.wirelab()) {
                frames++;
                points.get(seriesOf(w)).add(new Point(Math.round(row.time() * 1e6) / 1e3, w.frame().seq(), row.number()));
            }
        }

        private static String seriesOf(Analysed w) {
            if (!w.frame().crcOk()) {
                return CRC_BAD;
            }
            return switch (w.frame().type()) {
                case HELLO -> HELLO;
                case DATA -> w.marks().contains(Mark.RETRANSMISSION) ? RETRANSMISSION : DATA;
                case ACK -> w.marks().isEmpty() ? ACK : ODD_ACK;
                case ERROR -> ERROR;
            };
        }

        public SeqGraph build() {
            List<Series> out = new ArrayList<>();
            points.forEach((name, ps) -> {
                if (!ps.isEmpty()) {
                    out.add(new Series(name, List.copyOf(ps)));
                }
            });
            return new SeqGraph(List.copyOf(out), frames, connections.size());
        }
    }
}
