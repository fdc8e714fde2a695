package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class ServerObserverTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The events without their times, as a grader would print them. */
    private static List<String> story(List<ServerEvent> events) {
        return events.stream().map(e -> switch (e) {
            case ServerEvent.ConnectionOpened o -> "opened #" + o.connection();
            case ServerEvent.ConnectionClosed c -> "closed #" + c.connection() + ": " + c.reason();
            case ServerEvent.Hello h -> "hello " + h.clientId() + (h.accepted() ? " accepted" : " refused");
            case ServerEvent.DataArrived d -> "DATA " + d.seq() + " #" + d.arrival() + " " + new String(d.payload(), StandardCharsets.UTF_8);
            case ServerEvent.LineArrived l -> "line " + l.number();
            case ServerEvent.Delivered d -> "delivered " + d.seq();
            case ServerEvent.DuplicateSuppressed d -> "duplicate " + d.seq();
            case ServerEvent.FaultApplied f -> "fault " + f.fault().describe() + " on " + f.request() + " rule " + f.rule();
            case ServerEvent.ReplySent r -> "sent " + r.type() + " " + r.seq() + (r.corrupted() ? " corrupted" : "") + (r.copies() > 1 ? " x" + r.copies() : "");
            case ServerEvent.ResetSent r -> "reset #" + r.connection();
        }).toList();
    }

    @SuppressWarnings("try") // the server is closed inside its try on purpose, to read its final events
    @Test
    void theEventsTellThatMessageThreeCameAgainAfterItsAckWasLost() throws Exception {
        List<ServerEvent> events = new CopyOnWriteArrayList<>();
        try (EchoServer s = EchoServer.builder().script(FaultScript.parse("t", "seq 3: ack-drop")).observer(events::add).start()) {
            try (TestClient c = new TestClient(s.address())) {
                c.sendFrame(Frame.hello("alice"));
                c.readFrame();
                c.sendFrame(Frame.data(3, bytes("three"))).sendFrame(Frame.data(4, bytes("four")));
                c.readFrame(); // ACK 4: the ACK of 3 was lost
                c.sendFrame(Frame.data(3, bytes("three")));
                c.readFrame();
                c.shutdownOutput();
                c.readToEnd();
            }
            s.close();
        }
        assertEquals(List.of("opened #1", "hello alice accepted", "sent ACK 0",
                "DATA 3 #1 three", "delivered 3", "fault ack-drop on seq=3 rule 1",
                "DATA 4 #1 four", "delivered 4", "sent ACK 4",
                "DATA 3 #2 three", "duplicate 3", "sent ACK 3",
                "closed #1: client closed"), story(events));
        assertTrue(events.stream().allMatch(e -> e.connection() == 1));
    }

    @SuppressWarnings("try") // the server is closed inside its try on purpose, to read its final events
    @Test
    void randomFaultsResetsAndCorruptionAreReportedToo() throws Exception {
        List<ServerEvent> events = new CopyOnWriteArrayList<>();
        try (EchoServer s = EchoServer.builder().faults(FaultConfig.none().withCorrupt(1.0).withDuplicate(1.0)).seed(3)
                .script(FaultScript.parse("t", "reply 2: reset")).observer(events::add).start();
             TestClient c = new TestClient(s.address())) {
            c.sendLine("a");
            c.readLine();
            c.sendLine("b");
            c.readToEnd();
            s.close();
        } catch (java.net.SocketException expected) {
            // the reset
        }
        List<String> story = story(events);
        assertTrue(story.get(0).equals("opened #1"), story.toString());
        assertTrue(story.get(1).equals("line 1"), story.toString());
        assertTrue(story.get(2).startsWith("fault corrupt byte 0 on line 1 rule 0"), story.toString());
        assertEquals("fault duplicate on line 1 rule 0", story.get(3));
        assertEquals("sent LINE 0 corrupted x2", story.get(4));
        assertEquals(List.of("line 2", "fault reset on line 2 rule 1", "reset #1", "closed #1: reset sent"), story.subList(5, 9));
    }
}
