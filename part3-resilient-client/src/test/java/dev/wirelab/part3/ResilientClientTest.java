package dev.wirelab.part3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.common.Frame;
import dev.wirelab.part3.ScriptedServer.Action;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against a scripted server on a real loopback socket: each fault placed exactly. */
@Timeout(20)
class ResilientClientTest {

    /** Timers far above loopback RTTs, so a busy CI machine causes no spurious retransmission to miscount. */
    private static ResilientClient.Config config(ScriptedServer s, int window) {
        return ResilientClient.Config.to("127.0.0.1", s.port())
                .withClientId("test")
                .withTimeouts(Duration.ofMillis(500), Duration.ofMillis(300), Duration.ofSeconds(2))
                .withMaxAttempts(5)
                .withWindow(window);
    }

    private static List<byte[]> texts(String... s) {
        return java.util.Arrays.stream(s).map(x -> x.getBytes(UTF_8)).toList();
    }

    private static void assertDeliveredOnceEach(ScriptedServer server, List<byte[]> sent) {
        Map<Long, List<ScriptedServer.Delivery>> bySeq = server.deliveries().stream()
                .collect(Collectors.groupingBy(ScriptedServer.Delivery::seq));
        assertEquals(sent.size(), bySeq.size(), "every message reached the server");
        for (int i = 0; i < sent.size(); i++) {
            List<ScriptedServer.Delivery> d = bySeq.get((long) i + 1);
            assertEquals(1, d.size(), "seq " + (i + 1) + " handed to the server once");
            assertArrayEquals(sent.get(i), d.get(0).payload(), "payload of seq " + (i + 1));
        }
    }

    private static Summary run(ScriptedServer server, int window, List<byte[]> msgs, StringWriter trace) throws IOException {
        return new ResilientClient(config(server, window), new TracePrinter(new PrintWriter(trace, true))).send(msgs);
    }

    @Test
    void everyMessageIsDeliveredOnceOverACleanConnection() throws IOException {
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> ScriptedServer.ACK)) {
            List<byte[]> msgs = ClientCommand.generate(50, 40);
            Summary s = run(server, 1, msgs, new StringWriter());
            assertTrue(s.allDelivered());
            assertEquals(50, s.transmissions());
            assertEquals(0, s.retransmissionsTotal());
            assertEquals(0, s.reconnects());
            assertEquals(50, s.rttSamples(), "one per DATA message; the HELLO's round trip is not one of them");
            assertDeliveredOnceEach(server, msgs);
        }
    }

    @Test
    void anErrorReplyIsRetransmittedAtOnce() throws IOException {
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 2 ? new Action.Error("Packet Loss") : ScriptedServer.ACK)) {
            List<byte[]> msgs = texts("Test1", "Test2", "Test3");
            StringWriter trace = new StringWriter();
            Summary s = run(server, 1, msgs, trace);
            assertTrue(s.allDelivered());
            assertEquals(4, s.transmissions());
            assertEquals(1L, s.retransmissions().get(Cause.ERROR_REPLY));
            assertTrue(trace.toString().contains("<-- ERROR 2"), trace.toString());
            assertTrue(trace.toString().contains("retransmission 1 after error reply"), trace.toString());
            assertDeliveredOnceEach(server, msgs);
        }
    }

    @Test
    void aCorruptReplyIsCaughtByTheCrcAndTheMessageResentOnANewConnection() throws IOException {
        // byte 14 is inside the payload of the ACK: without a checksum this would be "Te?t2" accepted
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 2 ? new Action.Corrupt(14) : ScriptedServer.ACK)) {
            List<byte[]> msgs = texts("Test1", "Test2", "Test3");
            StringWriter trace = new StringWriter();
            Summary s = run(server, 1, msgs, trace);
            assertTrue(s.allDelivered());
            assertEquals(1, s.reconnects());
            assertEquals(1, s.corruptReplies());
            assertEquals(1L, s.retransmissions().get(Cause.CORRUPT));
            assertEquals(2, server.connections());
            assertTrue(trace.toString().contains("CRC-32C mismatch"), trace.toString());
            assertDeliveredOnceEach(server, msgs);
        }
    }

    @Test
    void aGoodAckReadTogetherWithACorruptFrameIsStillAccepted() throws IOException {
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 2 ? new Action.AckThenGarbage() : ScriptedServer.ACK)) {
            List<byte[]> msgs = texts("Test1", "Test2", "Test3");
            StringWriter trace = new StringWriter();
            Summary s = run(server, 1, msgs, trace);
            assertTrue(s.allDelivered());
            assertEquals(1, s.corruptReplies(), trace.toString());
            assertTrue(trace.toString().contains("<-- ACK 2      delivered"), trace.toString());
            assertFalse(trace.toString().contains("DATA 2     \"Test2\" (5 bytes), retransmission"),
                    "ACK 2 arrived intact before the garbage and needs no resend\n" + trace);
            assertEquals(1, s.reconnects(), "the stream broke, so the client reconnected");
        }
    }

    @Test
    void aCorruptedLengthFieldIsDetectedWhenTheTimerExpires() throws IOException {
        // byte 11 is the low byte of the length field: the reply now claims 250 bytes that never come
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 1 ? new Action.Corrupt(11) : ScriptedServer.ACK)) {
            List<byte[]> msgs = texts("Test1", "Test2");
            StringWriter trace = new StringWriter();
            Summary s = run(server, 1, msgs, trace);
            assertTrue(s.allDelivered(), trace.toString());
            assertEquals(1, s.reconnects());
            assertTrue(trace.toString().contains("length field corrupted?"), trace.toString());
            assertDeliveredOnceEach(server, msgs);
        }
    }

    @Test
    void aLostReplyIsRetransmittedAfterTheTimeout() throws IOException {
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 1 ? new Action.Drop() : ScriptedServer.ACK)) {
            List<byte[]> msgs = texts("Test1", "Test2");
            Summary s = run(server, 1, msgs, new StringWriter());
            assertTrue(s.allDelivered());
            assertEquals(1, s.timeouts());
            assertEquals(1L, s.retransmissions().get(Cause.TIMEOUT));
            assertEquals(0, s.reconnects());
            assertDeliveredOnceEach(server, msgs);
        }
    }

    @Test
    void aStaleAckWithAnOldSequenceNumberIsIgnored() throws IOException {
        // before the real ACK 3 the server sends ACK 1 again, echoing Test1
        Frame stale = Frame.ack(1, "Test1".getBytes(UTF_8));
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 3 ? new Action.Before(stale) : ScriptedServer.ACK)) {
            List<byte[]> msgs = texts("Test1", "Test2", "Test3");
            StringWriter trace = new StringWriter();
            Summary s = run(server, 1, msgs, trace);
            assertTrue(s.allDelivered());
            assertEquals(1, s.staleAcks());
            assertEquals(3, s.transmissions(), "the stale ACK caused no retransmission and was not taken for ACK 3\n" + trace);
            assertTrue(trace.toString().contains("<-- ACK 1      stale (already acknowledged), ignored"), trace.toString());
        }
    }

    @Test
    void anAckArrivingLateAfterTheRetransmissionIsDiscarded() throws IOException {
        // the reply to the first DATA 1 is held back until the retransmission arrives
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 1 ? new Action.Late() : ScriptedServer.ACK)) {
            List<byte[]> msgs = texts("Test1", "Test2");
            Summary s = run(server, 1, msgs, new StringWriter());
            assertTrue(s.allDelivered());
            assertEquals(1, s.timeouts());
            assertEquals(1, s.staleAcks(), "one of the two ACKs for seq 1 is stale");
            assertDeliveredOnceEach(server, msgs);
        }
    }

    @Test
    void aLateErrorForTheFirstTransmissionIsNotChargedToTheRetransmission() throws IOException {
        // DATA 1 times out; the ERROR answering it arrives just before the ACK for the resend. Charged
        // to the resend, it would use up the second of two attempts and report a delivered message failed.
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 1 ? new Action.LateError("Packet Loss") : ScriptedServer.ACK)) {
            List<byte[]> msgs = texts("Test1", "Test2");
            StringWriter trace = new StringWriter();
            Summary s = new ResilientClient(config(server, 1).withMaxAttempts(2), new TracePrinter(new PrintWriter(trace, true))).send(msgs);
            assertTrue(s.allDelivered(), trace.toString());
            assertEquals(1, s.timeouts());
            assertTrue(trace.toString().contains("<-- ERROR 1    \"Packet Loss\" -> stale (answers an earlier transmission), ignored"),
                    trace.toString());
            assertEquals(3, s.transmissions(), trace.toString());
            assertDeliveredOnceEach(server, msgs);
        }
    }

    @Test
    void aValidAckForAMessageAlreadyGivenUpReportsItDelivered() throws IOException {
        // With one attempt allowed, DATA 1 is given up when its timer fires; its ACK comes with the next reply.
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 1 ? new Action.Late() : ScriptedServer.ACK)) {
            List<byte[]> msgs = texts("Test1", "Test2");
            StringWriter trace = new StringWriter();
            Summary s = new ResilientClient(config(server, 1).withMaxAttempts(1), new TracePrinter(new PrintWriter(trace, true))).send(msgs);
            assertTrue(trace.toString().contains("!!  give up    DATA 1"), trace.toString());
            assertTrue(s.allDelivered(), trace.toString());
            assertEquals(List.of(), s.failed());
            assertTrue(trace.toString().contains("<-- ACK 1      delivered after all"), trace.toString());
            assertDeliveredOnceEach(server, msgs);
        }
    }

    @Test
    void anAckWithAWrongEchoIsChargedToItsOwnMessage() throws IOException {
        // DATA 1's reply is lost, DATA 2's ACK echoes the wrong payload. With one attempt allowed the
        // charged message is given up: it must be 2, not 1, the oldest in flight.
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> switch (n) {
            case 1 -> new Action.Drop();
            case 2 -> new Action.WrongEcho();
            default -> ScriptedServer.ACK;
        })) {
            StringWriter trace = new StringWriter();
            Summary s = new ResilientClient(config(server, 2).withMaxAttempts(1), new TracePrinter(new PrintWriter(trace, true)))
                    .send(texts("Test1", "Test2", "Test3"));
            assertEquals(List.of(2L), s.failed().stream().map(SendWindow.Failed::seq).toList(), trace.toString());
            assertEquals(2, s.delivered(), trace.toString());
        }
    }

    @Test
    void duplicatedRepliesAreDeliveredOnceAndTheCopiesIgnored() throws IOException {
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> new Action.Duplicate())) {
            List<byte[]> msgs = ClientCommand.generate(20, 16);
            StringWriter trace = new StringWriter();
            Summary s = run(server, 4, msgs, trace);
            assertTrue(s.allDelivered());
            assertEquals(20, s.transmissions(), trace.toString());
            // the second copy of the last ACK may arrive after the client is done and has closed
            assertTrue(s.staleAcks() == 19 || s.staleAcks() == 20, "stale ACKs: " + s.staleAcks());
            assertDeliveredOnceEach(server, msgs);
        }
    }

    @Test
    void aResetInTheMiddleOfAWindowResendsEverythingUnacknowledgedOnce() throws IOException {
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n == 5 ? new Action.Reset() : ScriptedServer.ACK)) {
            List<byte[]> msgs = ClientCommand.generate(16, 24);
            StringWriter trace = new StringWriter();
            Summary s = run(server, 8, msgs, trace);
            assertTrue(s.allDelivered(), trace.toString());
            assertEquals(1, s.reconnects());
            assertTrue(s.retransmissions().get(Cause.CONNECTION_LOST) >= 1, trace.toString());
            // Usually "connection reset by the server"; now and then the JDK reports the RST as an
            // end of stream, which the test need not tell apart: either way the connection is lost.
            assertTrue(trace.toString().contains("!!  lost       connection "), trace.toString());
            assertTrue(server.deliveries().stream().allMatch(d -> d.clientId().equals(s.sessionId())
                            && s.sessionId().startsWith("test#")),
                    "the client said HELLO with the same id on the new connection");
            assertDeliveredOnceEach(server, msgs);
        }
    }

    @Test
    void aServerThatResetsEveryConnectionAfterHelloIsReconnectedToWithGrowingWaits() throws IOException {
        // Every DATA is answered with a reset: each connection is lost before any ACK. Without
        // backoff the client reconnected as fast as the loop ran (749 times in 0.63 s).
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> new Action.Reset())) {
            StringWriter trace = new StringWriter();
            Summary s = run(server, 1, texts("Test1"), trace);
            assertEquals(1, s.failed().size(), trace.toString());
            assertEquals(5, s.connectionsLost(), "one per allowed attempt\n" + trace);
            List<Double> waits = trace.toString().lines().filter(l -> l.contains("   wait       ")).map(l -> {
                Matcher m = Pattern.compile("wait +([0-9.]+) ms before connecting again: (\\d+) connections in a row").matcher(l);
                assertTrue(m.find(), l);
                return Double.parseDouble(m.group(1));
            }).toList();
            // The first loss is repaired at once; the 2nd, 3rd and 4th in a row wait; after the
            // 5th the message is given up and nothing is left to send.
            assertEquals(3, waits.size(), trace.toString());
            assertTrue(waits.stream().allMatch(w -> w > 0), waits.toString());
            assertTrue(trace.toString().contains("4 connections in a row lost before any ACK"), trace.toString());
        }
    }

    @Test
    void aConnectionThatDeliveredSomethingIsReconnectedToAtOnce() throws IOException {
        // Every third DATA is answered with a reset, the others with an ACK: each lost connection
        // had made progress, so no wait.
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> n % 3 == 0 ? new Action.Reset() : ScriptedServer.ACK)) {
            StringWriter trace = new StringWriter();
            Summary s = run(server, 1, texts("a", "b", "c", "d", "e", "f"), trace);
            assertTrue(s.allDelivered(), trace.toString());
            assertTrue(s.connectionsLost() >= 2, trace.toString());
            assertFalse(trace.toString().contains("   wait       "), trace.toString());
        }
    }

    @Test
    void anUndeliverableMessageIsGivenUpAfterMaxAttemptsAndNamed() throws IOException {
        Function<Frame, Boolean> poison = f -> f.payloadText().equals("Test2");
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> poison.apply(f) ? new Action.Error("Packet Loss") : ScriptedServer.ACK)) {
            List<byte[]> msgs = texts("Test1", "Test2", "Test3");
            Summary s = run(server, 1, msgs, new StringWriter());
            assertFalse(s.allDelivered());
            assertEquals(2, s.delivered());
            assertEquals(1, s.failed().size());
            assertEquals(2, s.failed().get(0).seq());
            assertEquals(5, s.failed().get(0).transmissions());
            StringWriter err = new StringWriter();
            assertEquals(1, ClientCommand.report(s, new PrintWriter(err)));
            assertTrue(err.toString().contains("seq 2 \"Test2\" after 5 transmissions: error reply \"Packet Loss\""), err.toString());
        }
    }

    @Test
    void anErrorReasonIsShownEscapedAndCutShort() throws IOException {
        String hostile = "\u001b[2J\rdelivered\nfake line " + "x".repeat(1000);
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> new Action.Error(hostile))) {
            StringWriter trace = new StringWriter();
            Summary s = new ResilientClient(config(server, 1).withMaxAttempts(1), new TracePrinter(new PrintWriter(trace, true)))
                    .send(texts("Test1"));
            StringWriter err = new StringWriter();
            ClientCommand.report(s, new PrintWriter(err, true));
            for (String out : List.of(trace.toString(), err.toString(), s.failed().get(0).problem())) {
                assertFalse(out.contains("\u001b") || out.contains("\r"), out);
                assertTrue(out.contains("\\x1b[2J\\rdelivered\\nfake line xxx"), out);
                assertFalse(out.contains("x".repeat(200)), "cut short: " + out);
            }
            assertTrue(trace.toString().lines().anyMatch(l -> l.contains("<-- ERROR 1") && l.endsWith("-> give up")), trace.toString());
        }
    }

    @Test
    void aRejectedHelloIsRetriedAtOnceAndASecondRejectionInARowBacksOff() throws IOException {
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> ScriptedServer.ACK).rejectHellos(2)) {
            StringWriter trace = new StringWriter();
            Summary s = run(server, 1, texts("Test1"), trace);
            assertTrue(s.allDelivered(), trace.toString());
            assertEquals(3, server.connections());
            assertEquals(0, s.reconnects(), "failed first connects are not reconnects");
            List<String> rejected = trace.toString().lines()
                    .filter(l -> l.contains("no connect server answered HELLO with ERROR \"not now\"")).toList();
            assertEquals(2, rejected.size(), trace.toString());
            assertFalse(rejected.get(0).contains("; retry in "), "one lost HELLO reply is retried at once: " + rejected);
            assertTrue(rejected.get(1).contains("; retry in "), "the second in a row waits: " + rejected);
        }
    }

    @Test
    void onceTheRoundTripIsKnownRejectedHellosWaitAFewRoundTripsNotTheMinimumRto() throws IOException {
        AtomicReference<ScriptedServer> self = new AtomicReference<>();
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> {
            if (n == 3) {
                // Two DATA round trips were measured; now the connection breaks and the server
                // rejects the next three HELLOs.
                self.get().rejectHellos(3);
                return new Action.Reset();
            }
            return ScriptedServer.ACK;
        })) {
            self.set(server);
            StringWriter trace = new StringWriter();
            Summary s = run(server, 1, texts("a", "b", "c", "d"), trace);
            assertTrue(s.allDelivered(), trace.toString());
            List<String> waits = trace.toString().lines()
                    .filter(l -> l.contains("server answered HELLO with ERROR") && l.contains("; retry in ")).toList();
            assertEquals(2, waits.size(), "the 2nd and 3rd rejection in a row wait: " + trace);
            for (String l : waits) {
                Matcher m = Pattern.compile("retry in ([0-9.]+) ms").matcher(l);
                assertTrue(m.find(), l);
                // The minimum RTO is 300 ms, so a wait based on it would be at least 150 ms; loopback
                // round trips are well under a millisecond, even on a loaded machine far below 30 ms.
                assertTrue(Double.parseDouble(m.group(1)) < 150, "waited as if no round trip were known: " + l);
            }
        }
    }

    @Test
    void aServerThatAnsweredBeforeIsGivenUpForSilenceOnlyAfterSecondsNotAfterThreeShortTries() throws Exception {
        // The server answers the first HELLO, then drops the connection and stops accepting: the
        // kernel still completes each new TCP handshake, nobody answers. With a 10 ms minimum RTO
        // three silent HELLOs take well under a second, a stall a loaded machine can cause; a
        // server that spoke is given up only after SPOKEN_SILENCE_NANOS of silence as well.
        try (ServerSocket once = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofPlatform().daemon().start(() -> {
                try (Socket c = once.accept()) {
                    byte[] header = c.getInputStream().readNBytes(12);
                    int length = (int) dev.wirelab.common.FrameCodec.getU32(header, 8);
                    c.getInputStream().readNBytes(length + dev.wirelab.common.FrameCodec.CRC_BYTES);
                    c.getOutputStream().write(dev.wirelab.common.FrameCodec.encode(Frame.ack(0, new byte[0])));
                    c.getOutputStream().flush();
                } catch (IOException ignored) {
                    // the assertions below say what went wrong
                }
            });
            ResilientClient.Config cfg = ResilientClient.Config.to("127.0.0.1", once.getLocalPort()).withMaxAttempts(40)
                    .withTimeouts(Duration.ofMillis(20), Duration.ofMillis(10), Duration.ofMillis(80));
            StringWriter trace = new StringWriter();
            long t0 = System.nanoTime();
            new ResilientClient(cfg, new TracePrinter(new PrintWriter(trace, true))).send(texts("x"));
            long elapsed = System.nanoTime() - t0;
            server.join(Duration.ofSeconds(5));
            long silent = trace.toString().lines().filter(l -> l.contains("no connect no reply to HELLO")).count();
            assertTrue(silent > ResilientClient.MAX_SILENT_HELLOS, "given up after " + silent + " silent HELLOs:\n" + trace);
            assertTrue(elapsed >= ResilientClient.SPOKEN_SILENCE_NANOS, "given up after " + elapsed / 1_000_000 + " ms:\n" + trace);
        }
    }

    @Test
    void aServerThatNeverAnswersHelloIsReportedAsNotSpeakingTheWireFormatAfterAFewTries() throws IOException {
        // Listening but never accepting: the kernel completes the TCP handshake, nobody reads the
        // HELLO. Part 1's server behaves the same way: it reads and never answers.
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            ResilientClient.Config cfg = ResilientClient.Config.to("127.0.0.1", silent.getLocalPort()).withMaxAttempts(15)
                    .withTimeouts(Duration.ofMillis(20), Duration.ofMillis(10), Duration.ofMillis(80));
            StringWriter trace = new StringWriter();
            ProtocolException e = assertThrows(ProtocolException.class,
                    () -> new ResilientClient(cfg, new TracePrinter(new PrintWriter(trace, true))).send(texts("x")));
            assertTrue(e.getMessage().startsWith("the server at 127.0.0.1:" + silent.getLocalPort()
                    + " accepted the connection but never answered HELLO (3 tries over "), e.getMessage());
            assertEquals(ResilientClient.MAX_SILENT_HELLOS,
                    trace.toString().lines().filter(l -> l.contains("no connect no reply to HELLO")).count(), trace.toString());
            // The likely cause is named at the first silence, not only when the client gives up.
            assertTrue(trace.toString().lines().filter(l -> l.contains("no connect")).findFirst().orElseThrow()
                    .contains("(is it a wire format v1 server?)"), trace.toString());
        }
    }

    @Test
    void aServerThatAnswersWithTextIsReportedAtItsFirstBytes() throws IOException {
        // A line server that greets (or answers "Packet Loss" as the report's server does).
        try (ServerSocket text = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = text.accept()) {
                    s.getOutputStream().write("Packet Loss\n".getBytes(UTF_8));
                    s.getInputStream().read(new byte[1024]);
                } catch (IOException ignored) {
                    // the client hung up
                }
            });
            ResilientClient.Config cfg = ResilientClient.Config.to("127.0.0.1", text.getLocalPort());
            ProtocolException e = assertThrows(ProtocolException.class, () -> new ResilientClient(cfg, ClientListener.NONE).send(texts("x")));
            assertEquals("the server at 127.0.0.1:" + text.getLocalPort() + " does not speak wire format v1: it answered HELLO with"
                    + " \"Packet Loss\\n\" (part 3 needs a wire format v1 server such as ./lab part2 echo-server)", e.getMessage());
        }
    }

    @Test
    void aTlsServerIsNamedAtItsFirstRecordWithoutWaitingForTimeouts() throws Exception {
        // The JDK's own TLS server: given HELLO instead of a ClientHello, it answers with an alert
        // before it would ever need a certificate (part 1's server with --tls does the same).
        SSLServerSocketFactory factory = SSLContext.getDefault().getServerSocketFactory();
        try (ServerSocket tls = factory.createServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (SSLSocket s = (SSLSocket) tls.accept()) {
                    s.startHandshake();
                } catch (IOException expected) {
                    // the handshake fails: HELLO is no ClientHello
                }
            });
            // An initial timeout far beyond the test's: only the first bytes can end this run.
            ResilientClient.Config cfg = ResilientClient.Config.to("127.0.0.1", tls.getLocalPort())
                    .withTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(60));
            ProtocolException e = assertThrows(ProtocolException.class, () -> new ResilientClient(cfg, ClientListener.NONE).send(texts("x")));
            assertEquals("the server at 127.0.0.1:" + tls.getLocalPort() + " speaks TLS: it answered HELLO with a TLS alert;"
                    + " part 3 speaks plain wire format v1 (use a server such as ./lab part2 echo-server)", e.getMessage());
        }
        assertEquals("a TLS record", ResilientClient.tlsRecord(new byte[] {0x16, 0x03, 0x01, 0x00}));
        assertEquals(null, ResilientClient.tlsRecord("HTTP/1.1".getBytes(UTF_8)));
    }

    @Test
    void aPlainEchoServerIsRecognisedByItsEchoOfHello() throws IOException {
        try (ServerSocket echo = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = echo.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (IOException ignored) {
                    // the client hung up
                }
            });
            ResilientClient.Config cfg = ResilientClient.Config.to("127.0.0.1", echo.getLocalPort());
            ProtocolException e = assertThrows(ProtocolException.class, () -> new ResilientClient(cfg, ClientListener.NONE).send(texts("x")));
            assertTrue(e.getMessage().contains("sent our HELLO back unchanged: it is a plain echo server"), e.getMessage());
        }
    }

    @Test
    void aHelloReplyWithACorruptedMagicByteIsADamagedFrameNotAForeignProtocol() throws IOException {
        // Part 2's corruption flips one byte, sometimes the magic: that is a fault to ride out.
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> ScriptedServer.ACK).corruptHellos(1)) {
            StringWriter trace = new StringWriter();
            Summary s = run(server, 1, texts("Test1"), trace);
            assertTrue(s.allDelivered(), trace.toString());
            assertTrue(trace.toString().contains("reply to HELLO failed its check: bad magic byte"), trace.toString());
            assertEquals(2, server.connections());
        }
        assertTrue(ResilientClient.startsLikeDamagedFrame(new byte[] {(byte) 0xa8, 0x4c, 0x01, 0x03}));
        assertTrue(ResilientClient.startsLikeDamagedFrame(new byte[] {0x57, 0x4c, 0x01, (byte) 0xfc}));
        assertFalse(ResilientClient.startsLikeDamagedFrame("HTTP/1.1 400".getBytes(UTF_8)));
        assertFalse(ResilientClient.startsLikeDamagedFrame(new byte[] {0x15, 0x03, 0x03, 0x00, 0x02}), "a TLS alert");
    }

    @Test
    void aServerThatNeverAnswersFailsEveryMessageInBoundedTime() throws IOException {
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> new Action.Drop())) {
            ResilientClient.Config cfg = config(server, 2).withTimeouts(Duration.ofMillis(20), Duration.ofMillis(10), Duration.ofMillis(80));
            Summary s = new ResilientClient(cfg, ClientListener.NONE).send(texts("a", "b", "c"));
            assertEquals(0, s.delivered());
            assertEquals(3, s.failed().size());
            assertEquals(15, s.timeouts(), "5 attempts for each of 3 messages");
        }
    }

    @Test
    void nothingListeningIsReportedAtOnceWithoutRetries() throws IOException {
        // Bound but not listening: connecting is refused, and the port stays ours for the whole test.
        try (Socket reserved = new Socket()) {
            reserved.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = reserved.getLocalPort();
            ResilientClient.Config cfg = ResilientClient.Config.to("127.0.0.1", port).withMaxAttempts(3);
            StringWriter trace = new StringWriter();
            ConnectException e = assertThrows(ConnectException.class,
                    () -> new ResilientClient(cfg, new TracePrinter(new PrintWriter(trace, true))).send(texts("x", "y")));
            assertEquals("nothing listens on 127.0.0.1:" + port, e.getMessage());
            assertFalse(trace.toString().contains("no connect"), "no retry: " + trace);
        }
    }

    @Test
    void aServerThatGoesAwayMidRunIsRetriedAndTheRunGivenUpAfterMaxAttempts() throws IOException {
        // The first connection works; then the server closes its listener and resets the connection.
        AtomicReference<ScriptedServer> self = new AtomicReference<>();
        ScriptedServer server = new ScriptedServer((n, id, f) -> {
            if (n == 2) {
                try {
                    self.get().closeListener();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return new Action.Reset();
            }
            return ScriptedServer.ACK;
        });
        try (server) {
            self.set(server);
            ResilientClient.Config cfg = config(server, 1).withMaxAttempts(3)
                    .withTimeouts(Duration.ofMillis(50), Duration.ofMillis(5), Duration.ofMillis(50));
            StringWriter trace = new StringWriter();
            Summary s = new ResilientClient(cfg, new TracePrinter(new PrintWriter(trace, true))).send(texts("a", "b", "c"));
            assertEquals(1, s.delivered(), trace.toString());
            assertTrue(s.stoppedEarly().startsWith("could not talk to 127.0.0.1:" + server.port()), s.stoppedEarly());
            assertEquals(3, trace.toString().lines().filter(l -> l.contains("no connect")).count(), trace.toString());
        }
    }

    @Test
    void theRestOfTheRunIsGivenUpAfterKMessagesInARowFailed() throws IOException {
        // A server that answers HELLO but never acknowledges DATA: without the bound every one of
        // the 50 messages would wait out all its attempts (94 s each with the defaults).
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> new Action.Drop())) {
            ResilientClient.Config cfg = config(server, 1).withMaxAttempts(2).withGiveUpAfter(2)
                    .withTimeouts(Duration.ofMillis(20), Duration.ofMillis(10), Duration.ofMillis(40));
            StringWriter trace = new StringWriter();
            Summary s = new ResilientClient(cfg, new TracePrinter(new PrintWriter(trace, true))).send(ClientCommand.generate(50, 8));
            assertEquals(0, s.delivered());
            assertEquals(50, s.failed().size());
            assertEquals(4, s.transmissions(), "two attempts each for seq 1 and 2, nothing after\n" + trace);
            assertEquals("2 messages in a row failed", s.stoppedEarly());
            assertTrue(trace.toString().contains("!!  stop       2 messages in a row failed -> give up the run, 48 messages not delivered with it"),
                    trace.toString());
            StringWriter err = new StringWriter();
            assertEquals(1, ClientCommand.report(s, new PrintWriter(err, true)));
            List<String> lines = err.toString().lines().toList();
            assertEquals(4, lines.size(), err.toString());
            assertEquals("error: 50 of 50 messages not delivered; gave up the run: 2 messages in a row failed", lines.get(0));
            assertTrue(lines.get(1).matches("  seq 1 \"#1 abcde\" after 2 transmissions: no reply within [0-9.]+ ms"), lines.get(1));
            assertTrue(lines.get(2).matches("  seq 2 \"#2 abcde\" after 2 transmissions: no reply within [0-9.]+ ms"), lines.get(2));
            assertEquals("  seq 3..50 (48 messages) never sent", lines.get(3));
        }
    }

    @Test
    void oneDeliveredMessageBetweenFailuresStartsTheCountAgain() throws IOException {
        Function<Frame, Boolean> poison = f -> f.payloadText().startsWith("bad");
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> poison.apply(f) ? new Action.Error("Packet Loss") : ScriptedServer.ACK)) {
            ResilientClient.Config cfg = config(server, 1).withMaxAttempts(1).withGiveUpAfter(2);
            Summary s = new ResilientClient(cfg, ClientListener.NONE).send(texts("bad1", "ok", "bad2", "ok", "bad3"));
            assertEquals(2, s.delivered());
            assertEquals(3, s.failed().size());
            assertEquals("", s.stoppedEarly(), "never two in a row");
        }
    }

    @Test
    void theDeadlineBoundsTheWholeRun() throws IOException {
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> new Action.Drop())) {
            // 1000 attempts of up to 50 ms each would take far longer than the test's timeout.
            ResilientClient.Config cfg = config(server, 1).withMaxAttempts(1000).withGiveUpAfter(0)
                    .withTimeouts(Duration.ofMillis(20), Duration.ofMillis(10), Duration.ofMillis(50))
                    .withDeadline(Duration.ofMillis(300));
            StringWriter trace = new StringWriter();
            Summary s = new ResilientClient(cfg, new TracePrinter(new PrintWriter(trace, true))).send(texts("a", "b"));
            assertEquals(2, s.failed().size());
            assertEquals("the run's deadline of 0.3 s passed", s.stoppedEarly());
            assertTrue(trace.toString().contains("!!  stop       the run's deadline of 0.3 s passed"), trace.toString());
        }
    }
}
