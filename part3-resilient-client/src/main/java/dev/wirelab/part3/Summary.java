package dev.wirelab.part3;

import dev.wirelab.common.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a run achieved: counts, retransmissions by cause, RTT percentiles, time and goodput.
 *
 * @param sessionId   the id the client said HELLO with: its client id, '#', and a random suffix
 * @param rttP50Nanos -1 when no RTT sample was taken
 * @param stoppedEarly why the run was given up before every message was tried to the end, e.g.
 *                     "3 messages in a row failed"; empty when it was not
 */
public record Summary(String sessionId, int messages, int delivered, List<SendWindow.Failed> failed, long transmissions,
                      Map<Cause, Long> retransmissions, int reconnects, long staleAcks, long errorReplies,
                      long corruptReplies, long timeouts, long connectionsLost, int rttSamples, long rttP50Nanos,
                      long rttP99Nanos, long finalRtoNanos, long elapsedNanos, long deliveredBytes, String stoppedEarly) {

    public Summary {
        java.util.Objects.requireNonNull(stoppedEarly, "stoppedEarly");
        failed = List.copyOf(failed);
        retransmissions = new EnumMap<>(retransmissions);
    }

    public boolean allDelivered() {
        return delivered == messages;
    }

    public long retransmissionsTotal() {
        return retransmissions.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Transmissions per delivered message; the minimum at loss rate p is 1/(1-p). */
    public double transmissionsPerMessage() {
        return delivered == 0 ? Double.NaN : (double) transmissions / delivered;
    }

    public double goodputMessagesPerSecond() {
        return elapsedNanos <= 0 ? 0 : delivered / (elapsedNanos / 1e9);
    }

    public double goodputBytesPerSecond() {
        return elapsedNanos <= 0 ? 0 : deliveredBytes / (elapsedNanos / 1e9);
    }

    /** The summary as the client prints it. */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append("summary\n");
        row(b, "session", Bytes.escape(sessionId.getBytes(StandardCharsets.UTF_8)));
        row(b, "messages", String.valueOf(messages));
        row(b, "delivered", String.valueOf(delivered));
        row(b, "failed", failed.isEmpty() ? "0" : failed.size() + " (seq " + failedRanges() + ")");
        if (!stoppedEarly.isEmpty()) {
            row(b, "stopped early", stoppedEarly);
        }
        row(b, "transmissions", transmissions + (delivered == 0 ? " (nothing delivered)"
                : String.format(Locale.ROOT, " (%.3f per delivered message)", transmissionsPerMessage())));
        StringBuilder causes = new StringBuilder();
        for (Cause c : Cause.values()) {
            causes.append(causes.isEmpty() ? "" : ", ").append(c.label()).append(' ').append(retransmissions.get(c));
        }
        row(b, "retransmissions", retransmissionsTotal() + " (" + causes + ")");
        row(b, "reconnects", String.valueOf(reconnects));
        row(b, "stale ACKs", staleAcks + " ignored");
        row(b, "RTT", rttSamples == 0 ? "no sample" : "p50 " + millis(rttP50Nanos) + ", p99 " + millis(rttP99Nanos)
                + " (" + rttSamples + " samples); final RTO " + millis(finalRtoNanos));
        row(b, "elapsed", millis(elapsedNanos));
        row(b, "goodput", String.format(Locale.ROOT, "%.1f messages/s, %s/s", goodputMessagesPerSecond(),
                bytes(goodputBytesPerSecond())));
        return b.toString();
    }

    /** The summary as one JSON object on one line. */
    public String json() {
        StringBuilder b = new StringBuilder("{");
        b.append("\"session_id\":").append(jsonString(sessionId)).append(',');
        field(b, "messages", messages);
        field(b, "delivered", delivered);
        field(b, "failed", failed.size());
        b.append("\"failed_seqs\":[").append(failedSeqs()).append("],");
        b.append("\"stopped_early\":").append(stoppedEarly.isEmpty() ? "null" : jsonString(stoppedEarly)).append(',');
        field(b, "transmissions", transmissions);
        field(b, "retransmissions", retransmissionsTotal());
        b.append("\"retransmissions_by_cause\":{");
        boolean first = true;
        for (Cause c : Cause.values()) {
            b.append(first ? "" : ",").append('"').append(c.key()).append("\":").append(retransmissions.get(c));
            first = false;
        }
        b.append("},");
        field(b, "reconnects", reconnects);
        field(b, "stale_acks", staleAcks);
        field(b, "error_replies", errorReplies);
        field(b, "corrupt_replies", corruptReplies);
        field(b, "timeouts", timeouts);
        field(b, "connections_lost", connectionsLost);
        field(b, "rtt_samples", rttSamples);
        b.append("\"rtt_p50_ms\":").append(rttSamples == 0 ? "null" : num(rttP50Nanos / 1e6)).append(',');
        b.append("\"rtt_p99_ms\":").append(rttSamples == 0 ? "null" : num(rttP99Nanos / 1e6)).append(',');
        b.append("\"final_rto_ms\":").append(num(finalRtoNanos / 1e6)).append(',');
        b.append("\"elapsed_ms\":").append(num(elapsedNanos / 1e6)).append(',');
        b.append("\"goodput_msgs_per_s\":").append(num(goodputMessagesPerSecond())).append(',');
        b.append("\"goodput_bytes_per_s\":").append(num(goodputBytesPerSecond()));
        return b.append('}').toString();
    }

    /** "1..3, 5, 7..100": ten thousand failed messages stay one short line. */
    String failedRanges() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < failed.size(); ) {
            int j = i;
            while (j + 1 < failed.size() && failed.get(j + 1).seq() == failed.get(j).seq() + 1) {
                j++;
            }
            s.append(s.isEmpty() ? "" : ", ").append(failed.get(i).seq());
            if (j > i) {
                s.append(j == i + 1 ? ", " : "..").append(failed.get(j).seq());
            }
            i = j + 1;
        }
        return s.toString();
    }

    private String failedSeqs() {
        StringBuilder s = new StringBuilder();
        for (SendWindow.Failed f : failed) {
            s.append(s.isEmpty() ? "" : ",").append(f.seq());
        }
        return s.toString();
    }

    private static void row(StringBuilder b, String name, String value) {
        b.append(String.format(Locale.ROOT, "  %-16s %s%n", name, value));
    }

    private static void field(StringBuilder b, String name, long value) {
        b.append('"').append(name).append("\":").append(value).append(',');
    }

    /** A JSON string literal; the client id comes from the user and may hold quotes or control characters. */
    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !validSurrogate(s, i)) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "null";
    }

    /** Nanoseconds as milliseconds for people: "0.213 ms", "20.0 ms", "1500.0 ms" (always ms, so outputs compare). */
    public static String millis(long nanos) {
        double ms = nanos / 1e6;
        return String.format(Locale.ROOT, ms >= 10 ? "%.1f ms" : "%.3f ms", ms);
    }

    static String bytes(double b) {
        if (b >= 1 << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (1 << 20));
        }
        if (b >= 1 << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", b / (1 << 10));
        }
        return String.format(Locale.ROOT, "%.0f B", b);
    }
}
