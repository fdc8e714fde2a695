package dev.wirelab.part3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.any;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import dev.wirelab.part3.ScriptedServer.Action;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mockito.ArgumentCaptor;
import org.mockito.InOrder;

/**
 * What the client tells its {@link ClientListener} (the trace, the progress notes and the grader
 * are all listeners): exactly which callbacks, how often, with which arguments, in which order.
 * The server is a real one on loopback; only the listener is a mock, because "this callback came
 * once, with these arguments" is what a mock verifies and a printed trace would only suggest.
 */
@Timeout(20)
class ClientListenerTest {

    private static ResilientClient.Config config(ScriptedServer s) {
        // Timers far above loopback round trips: no spurious retransmission on a busy machine.
        return ResilientClient.Config.to("127.0.0.1", s.port()).withClientId("mock")
                .withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofSeconds(2)).withMaxAttempts(4);
    }

    private static List<byte[]> texts(String... s) {
        return Arrays.stream(s).map(x -> x.getBytes(UTF_8)).toList();
    }

    private static SendWindow.Transmission isTransmission(long seq, int number, Cause cause) {
        return argThat(tx -> tx != null && tx.seq() == seq && tx.number() == number && tx.cause() == cause);
    }

    @Test
    void aLostReplyIsOneTimeoutAndSeq3IsRetransmittedOnceWithCauseTimeout() throws IOException {
        ClientListener listener = mock(ClientListener.class);
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 3 ? new Action.Drop() : ScriptedServer.ACK)) {
            Summary s = new ResilientClient(config(server), listener).send(texts("Test1", "Test2", "Test3", "Test4"));
            assertTrue(s.allDelivered());
        }
        InOrder order = inOrder(listener);
        order.verify(listener).connecting(anyLong(), anyString(), eq(1));
        order.verify(listener).helloSent(anyLong(), anyString());
        order.verify(listener).connected(anyLong(), anyString(), anyLong());
        order.verify(listener).send(anyLong(), isTransmission(3, 1, null), anyLong());
        order.verify(listener).timeout(anyLong(), eq(new SendWindow.Failure.Retry(3, Cause.TIMEOUT, 1)), anyLong());
        order.verify(listener).send(anyLong(), isTransmission(3, 2, Cause.TIMEOUT), anyLong());
        // Karn's rule: the ACK of a message sent twice gives no RTT sample (-1).
        order.verify(listener).ack(anyLong(), eq(3L), eq(-1L), anyLong(), eq(2));
        order.verify(listener).ack(anyLong(), eq(4L), anyLong(), anyLong(), eq(1));

        verify(listener, times(5)).send(anyLong(), any(), anyLong());
        verify(listener, times(1)).send(anyLong(), argThat(SendWindow.Transmission::isRetransmission), anyLong());
        verify(listener, times(1)).timeout(anyLong(), any(), anyLong());
        verify(listener, times(4)).ack(anyLong(), anyLong(), anyLong(), anyLong(), anyInt());
        verify(listener, times(1)).connecting(anyLong(), anyString(), anyInt());
        verify(listener, never()).corrupt(anyLong(), anyString());
        verify(listener, never()).connectionLost(anyLong(), anyString());
        verify(listener, never()).staleAck(anyLong(), anyLong(), anyString());
        verify(listener, never()).gaveUp(anyLong(), any());
        verify(listener, never()).stopped(anyLong(), anyString(), anyInt());
    }

    @Test
    void aCorruptReplyReconnectsWithTheSameSessionIdAndResendsWithCauseCorrupt() throws IOException {
        ClientListener listener = mock(ClientListener.class);
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 2 ? new Action.Corrupt(20) : ScriptedServer.ACK)) {
            Summary s = new ResilientClient(config(server), listener).send(texts("Test1", "Test2", "Test3"));
            assertTrue(s.allDelivered());
        }
        ArgumentCaptor<String> hellos = ArgumentCaptor.forClass(String.class);
        verify(listener, times(2)).helloSent(anyLong(), hellos.capture());
        assertEquals(hellos.getAllValues().get(0), hellos.getAllValues().get(1), "one session id across the reconnect");
        assertTrue(hellos.getValue().startsWith("mock#"), hellos.getValue());

        InOrder order = inOrder(listener);
        order.verify(listener).corrupt(anyLong(), argThat(d -> d.startsWith("reply failed its check: CRC-32C mismatch")));
        order.verify(listener).connecting(anyLong(), anyString(), eq(1));
        order.verify(listener).send(anyLong(), isTransmission(2, 2, Cause.CORRUPT), anyLong());
        verify(listener, times(1)).corrupt(anyLong(), anyString());
        verify(listener, never()).timeout(anyLong(), any(), anyLong());
        verify(listener, times(3)).ack(anyLong(), anyLong(), anyLong(), anyLong(), anyInt());
    }

    @Test
    void aMessageThatOnlyGetsErrorsIsGivenUpOnceAndTheRunGoesOn() throws IOException {
        ClientListener listener = mock(ClientListener.class);
        try (ScriptedServer server = new ScriptedServer((n, id, f) ->
                f.payloadText().equals("bad") ? new Action.Error("Packet Loss") : ScriptedServer.ACK)) {
            Summary s = new ResilientClient(config(server), listener).send(texts("ok", "bad", "ok"));
            assertEquals(2, s.delivered());
        }
        verify(listener, times(3)).errorReply(anyLong(), eq(2L), eq("Packet Loss"), argThat(o -> o instanceof SendWindow.Failure.Retry));
        verify(listener, times(1)).errorReply(anyLong(), eq(2L), eq("Packet Loss"), argThat(o -> o instanceof SendWindow.Failure.GaveUp));
        verify(listener, times(1)).gaveUp(anyLong(), argThat(g -> g.seq() == 2 && g.failedAttempts() == 4 && g.cause() == Cause.ERROR_REPLY));
        verify(listener, never()).stopped(anyLong(), anyString(), anyInt());
        verify(listener).ack(anyLong(), eq(3L), anyLong(), anyLong(), eq(1));
    }
}
