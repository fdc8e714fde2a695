package dev.wirelab.part3;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wirelab.common.Bytes;
import java.math.BigDecimal;
import java.math.RoundingMode;
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

    /**
     * The summary as one JSON object on one line, in ASCII: anything else in the session id (it
     * comes from the user) is escaped, so the line is safe on any terminal and in any file.
     */
    public String json() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("session_id", sessionId);
        o.put("messages", messages);
        o.put("delivered", delivered);
        o.put("failed", failed.size());
        ArrayNode seqs = o.putArray("failed_seqs");
        failed.forEach(f -> seqs.add(f.seq()));
        if (stoppedEarly.isEmpty()) {
            o.putNull("stopped_early");
        } else {
            o.put("stopped_early", stoppedEarly);
        }
        o.put("transmissions", transmissions);
        o.put("retransmissions", retransmissionsTotal());
        ObjectNode byCause = o.putObject("retransmissions_by_cause");
        for (Cause c : Cause.values()) {
            byCause.put(c.key(), retransmissions.get(c));
        }
        o.put("reconnects", reconnects);
        o.put("stale_acks", staleAcks);
        o.put("error_replies", errorReplies);
        o.put("corrupt_replies", corruptReplies);
        o.put("timeouts", timeouts);
        o.put("connections_lost", connectionsLost);
        o.put("rtt_samples", rttSamples);
        o.set("rtt_p50_ms", rttSamples == 0 ? NullNode.instance : num(rttP50Nanos / 1e6));
        o.set("rtt_p99_ms", rttSamples == 0 ? NullNode.instance : num(rttP99Nanos / 1e6));
        o.set("final_rto_ms", num(finalRtoNanos / 1e6));
        o.set("elapsed_ms", num(elapsedNanos / 1e6));
        o.set("goodput_msgs_per_s", num(goodputMessagesPerSecond()));
        o.set("goodput_bytes_per_s", num(goodputBytesPerSecond()));
        try {
            return Json.MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            // A tree of strings and numbers always serialises.
            throw new IllegalStateException("summary as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Built on first use, not when the class loads: setting Jackson up takes a few hundred
     * milliseconds in a cold JVM, and every run that never prints JSON would pay for it.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    }

    /** Milliseconds and rates to the microsecond (three decimals), as the text summary shows them; null when undefined. */
    private static JsonNode num(double v) {
        return Double.isFinite(v) ? DecimalNode.valueOf(BigDecimal.valueOf(v).setScale(3, RoundingMode.HALF_UP)) : NullNode.instance;
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

    private static void row(StringBuilder b, String name, String value) {
        b.append(String.format(Locale.ROOT, "  %-16s %s%n", name, value));
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
