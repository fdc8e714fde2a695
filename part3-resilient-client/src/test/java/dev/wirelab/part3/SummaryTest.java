package dev.wirelab.part3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The summary as JSON: one line that any JSON parser reads back exactly, whatever the user named the client. */
class SummaryTest {

    private static Summary summary(String sessionId, List<SendWindow.Failed> failed, int rttSamples, String stoppedEarly) {
        Map<Cause, Long> retransmissions = new EnumMap<>(Cause.class);
        for (Cause c : Cause.values()) {
            retransmissions.put(c, (long) c.ordinal());
        }
        return new Summary(sessionId, 5, 5 - failed.size(), failed, 12, retransmissions, 1, 2, 3, 4, 5, 6, rttSamples,
                1_234_567, 9_876_543, 100_000_000, 2_000_000_000L, 160, stoppedEarly);
    }

    @Test
    void aHostileSessionIdIsEscapedToOneAsciiLineAndReadsBackExactly() throws Exception {
        String id = "say \"hi\"\n{\"forged\":1}\u001b[2J\r\u00e9\u202e\\#0a1b2c3d";
        String json = summary(id, List.of(), 3, "").json();
        assertEquals(1, json.lines().count(), json);
        assertTrue(json.chars().allMatch(c -> c >= 0x20 && c < 0x7f), "printable ASCII only: " + json);
        JsonNode o = new ObjectMapper().readTree(json);
        assertEquals(id, o.get("session_id").textValue());
        assertEquals(1.235, o.get("rtt_p50_ms").doubleValue());
        assertTrue(json.contains("\"final_rto_ms\":100.000,"), "milliseconds to three decimals, as the text summary: " + json);
        assertTrue(o.get("stopped_early").isNull());
        assertEquals(10, o.get("retransmissions").longValue(), "the sum over the causes");
        assertEquals(4, o.get("retransmissions_by_cause").get("connection_lost").longValue());
    }

    @Test
    void failedMessagesAndAnEarlyStopAreInTheJsonAndNoRttIsNull() throws Exception {
        byte[] p = "x".getBytes(StandardCharsets.UTF_8);
        List<SendWindow.Failed> failed = List.of(new SendWindow.Failed(2, p, 3, "no reply"), new SendWindow.Failed(5, p, 0, "never sent"));
        JsonNode o = new ObjectMapper().readTree(summary("a#01234567", failed, 0, "3 messages in a row failed").json());
        assertEquals(2, o.get("failed").intValue());
        assertEquals(List.of(2L, 5L), List.of(o.get("failed_seqs").get(0).longValue(), o.get("failed_seqs").get(1).longValue()));
        assertEquals("3 messages in a row failed", o.get("stopped_early").textValue());
        assertTrue(o.get("rtt_p50_ms").isNull() && o.get("rtt_p99_ms").isNull(), o.toString());
    }
}
