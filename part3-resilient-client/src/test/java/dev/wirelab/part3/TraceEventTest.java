package dev.wirelab.part3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.Frame;
import dev.wirelab.part3.TraceEvent.Arrow;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ladder format as a public API: what the grader prints from the server's side matches --trace. */
class TraceEventTest {

    @Test
    void framesAreDescribedAsTheTraceDescribesThem() {
        assertEquals("    27.502 ms  --> DATA 1     \"Test1\" (5 bytes), retransmission 1 after timeout",
                TraceEvent.frame(27_502_000, Arrow.TO_SERVER, Frame.data(1, "Test1".getBytes(UTF_8)), "retransmission 1 after timeout").line());
        assertEquals("     1.000 ms  <-- ACK 0", TraceEvent.frame(1_000_000, Arrow.TO_CLIENT, Frame.ack(0, new byte[0]), "").line());
        assertEquals("     2.000 ms  <-- ERROR 5    \"Packet Loss\"",
                TraceEvent.frame(2_000_000, Arrow.TO_CLIENT, Frame.error(5, "Packet Loss"), "").line());
        assertEquals("     0.000 ms  --> HELLO      session id \"a\\x1b[2Jb\"",
                TraceEvent.frame(0, Arrow.TO_SERVER, Frame.hello("a\u001b[2Jb"), "").line(), "peer text escaped");
        assertEquals("     3.000 ms  !!  drop       ACK 3 lost on purpose",
                new TraceEvent(3_000_000, Arrow.PROBLEM, "drop", "ACK 3 lost on purpose").line());
        String longPayload = TraceEvent.frame(0, Arrow.TO_SERVER, Frame.data(2, "x".repeat(100).getBytes(UTF_8)), "").line();
        assertTrue(longPayload.endsWith("\"" + "x".repeat(TraceEvent.PREVIEW_BYTES) + "\"... (100 bytes)"), longPayload);
    }

    @Test
    void aLadderIsOneLinePerEvent() {
        List<TraceEvent> events = List.of(new TraceEvent(0, Arrow.NOTE, "connect", "127.0.0.1:1"),
                new TraceEvent(1_500_000, Arrow.TO_SERVER, "HELLO", "session id \"s\""));
        assertEquals("     0.000 ms      connect    127.0.0.1:1\n     1.500 ms  --> HELLO      session id \"s\"\n",
                TraceEvent.ladder(events));
    }

    @Test
    @Timeout(20)
    void theClientsEventsCanBeCollectedAndPrintedLaterExactlyAsTraced() throws IOException {
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 1 ? new ScriptedServer.Action.Error("Packet Loss") : ScriptedServer.ACK)) {
            ResilientClient.Config cfg = ResilientClient.Config.to("127.0.0.1", server.port()).withClientId("t")
                    .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(300), Duration.ofSeconds(2));
            List<TraceEvent> collected = new ArrayList<>();
            StringWriter printed = new StringWriter();
            ClientListener both = new ClientListener() {
                final TracePrinter collect = new TracePrinter(collected::add);
                final TracePrinter print = new TracePrinter(new PrintWriter(printed, true));

                @Override
                public void send(long t, SendWindow.Transmission tx, long timeoutNanos) {
                    collect.send(t, tx, timeoutNanos);
                    print.send(t, tx, timeoutNanos);
                }

                @Override
                public void errorReply(long t, long seq, String reason, SendWindow.Failure outcome) {
                    collect.errorReply(t, seq, reason, outcome);
                    print.errorReply(t, seq, reason, outcome);
                }
            };
            new ResilientClient(cfg, both).send(List.of("Test1".getBytes(UTF_8)));
            assertEquals(3, collected.size(), collected.toString());
            assertEquals(printed.toString().replace(System.lineSeparator(), "\n"), TraceEvent.ladder(collected));
            assertEquals("<-- ERROR 1    \"Packet Loss\" -> resend", collected.get(1).line().substring(15));
        }
    }
}
