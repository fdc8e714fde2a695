package dev.wirelab.part3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wirelab.common.Cli;
import dev.wirelab.part2.Delivery;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The picocli commands as a user runs them, output captured. */
@Timeout(60)
class CommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(int exit, String out, String err) { }

    private static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Part3.configure(Cli.commandLine(command));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static Run part3(String... args) {
        return run(new Part3(), args);
    }

    @Test
    void clientSendsTheGivenMessagesAndPrintsTheTraceAndSummary() throws IOException {
        List<Delivery> got = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withLoss(0.5)).seed(5).onDelivery(got::add).start()) {
            Run r = part3("client", "--port", String.valueOf(server.port()), "--host", "127.0.0.1",
                    "--message", "Test1", "--message", "Test2", "--message", "Test3", "--client-id", "alice", "--trace");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().matches("(?s).*--> HELLO      session id \"alice#[0-9a-f]{8}\".*"), r.out());
            assertTrue(r.out().contains("<-- ERROR"), r.out());
            assertTrue(r.out().contains("delivered        3"), r.out());
            assertEquals(List.of("Test1", "Test2", "Test3"),
                    got.stream().map(d -> new String(d.payload(), StandardCharsets.UTF_8)).toList());
            assertTrue(got.stream().allMatch(d -> d.clientId().equals(got.get(0).clientId())), "one session");
            assertTrue(r.out().contains("session          " + got.get(0).clientId()), r.out());
        }
    }

    @Test
    void aSecondRunWithTheSameClientIdIsDeliveredToo() throws IOException {
        // The server remembers delivered (client id, seq) pairs; both runs number from 1. Had the
        // second run said HELLO as plain "alice", its seq 1 would be acknowledged as a duplicate
        // and never reach the handler.
        List<Delivery> got = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().onDelivery(got::add).start()) {
            for (String text : List.of("first run", "second run")) {
                Run r = part3("client", "--port", String.valueOf(server.port()), "--host", "127.0.0.1",
                        "--message", text, "--client-id", "alice");
                assertEquals(0, r.exit(), r.err());
            }
            assertEquals(List.of("first run", "second run"),
                    got.stream().map(d -> new String(d.payload(), StandardCharsets.UTF_8)).toList());
            assertTrue(got.stream().allMatch(d -> d.clientId().startsWith("alice#")), got.toString());
            assertTrue(!got.get(0).clientId().equals(got.get(1).clientId()), "each run is its own session");
        }
    }

    @Test
    void aLongClientIdIsShortenedToLeaveRoomForTheSessionSuffix() {
        String id = "\u00e9".repeat(32); // 64 bytes of UTF-8, the most HELLO may carry
        String session = ResilientClient.sessionId(id);
        assertTrue(session.matches("\u00e9{27}#[0-9a-f]{8}"), session);
        assertTrue(session.getBytes(StandardCharsets.UTF_8).length <= dev.wirelab.common.FrameCodec.MAX_CLIENT_ID_BYTES);
        assertTrue(ResilientClient.Config.randomClientId().matches("client-[0-9a-f]{16}"));
    }

    @Test
    void jsonSummaryIsOneObjectWithTheRequiredFields() throws IOException {
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withCorrupt(0.2)).seed(9).start()) {
            Run r = part3("client", "--port", String.valueOf(server.port()), "--host", "127.0.0.1",
                    "--count", "50", "--size", "20", "--window", "4", "--json", "--client-id", "say \"hi\"\t");
            assertEquals(0, r.exit(), r.err());
            assertEquals(1, r.out().lines().count(), r.out());
            JsonNode json = JSON.readTree(r.out());
            assertTrue(json.isObject(), r.out());
            assertEquals(50, json.get("delivered").intValue());
            assertEquals(0, json.get("failed").intValue());
            assertTrue(json.get("failed_seqs").isArray() && json.get("failed_seqs").isEmpty(), r.out());
            assertTrue(json.get("stopped_early").isNull(), r.out());
            assertTrue(json.get("retransmissions").longValue() > 0, r.out());
            assertTrue(json.get("reconnects").intValue() > 0, r.out());
            assertTrue(json.get("elapsed_ms").doubleValue() > 0, r.out());
            assertTrue(json.get("session_id").textValue().matches("say \"hi\"\t#[0-9a-f]{8}"), r.out());
            JsonNode byCause = json.get("retransmissions_by_cause");
            assertEquals(json.get("retransmissions").longValue(), byCause.get("corrupt").longValue()
                    + byCause.get("timeout").longValue() + byCause.get("fast_retransmit").longValue()
                    + byCause.get("error_reply").longValue() + byCause.get("connection_lost").longValue(), r.out());
        }
    }

    @Test
    void withJsonTheTraceGoesToStderrAndStdoutIsOnlyTheJson() throws IOException {
        try (EchoServer server = EchoServer.builder().faults(FaultConfig.none().withLoss(0.3)).seed(2).start()) {
            Run r = part3("client", "--port", String.valueOf(server.port()), "--host", "127.0.0.1",
                    "--count", "10", "--json", "--trace");
            assertEquals(0, r.exit(), r.err());
            assertEquals(10, JSON.readTree(r.out()).get("delivered").intValue(), r.out());
            assertTrue(r.err().contains("--> DATA 10"), r.err());
        }
    }

    @Test
    void messagesComeFromStdinWhenNoneAreGiven() throws IOException {
        List<Delivery> got = new CopyOnWriteArrayList<>();
        try (EchoServer server = EchoServer.builder().onDelivery(got::add).start()) {
            ClientCommand cmd = new ClientCommand();
            cmd.stdin = new ByteArrayInputStream("first line\r\n\nsecond, without a newline".getBytes(StandardCharsets.UTF_8));
            Run r = run(cmd, "--port", String.valueOf(server.port()), "--host", "127.0.0.1");
            assertEquals(0, r.exit(), r.err());
            assertEquals(List.of("first line", "", "second, without a newline"),
                    got.stream().map(d -> new String(d.payload(), StandardCharsets.UTF_8)).toList());
        }
    }

    @Test
    void aStdinLineLongerThanAFrameIsAUsageError() {
        ClientCommand cmd = new ClientCommand();
        // no newline at all: the client must refuse it without reading it whole
        cmd.stdin = new java.io.SequenceInputStream(new ByteArrayInputStream("ok\n".getBytes(StandardCharsets.UTF_8)),
                new ByteArrayInputStream(new byte[1 << 20]));
        Run r = run(cmd, "--port", "1", "--host", "127.0.0.1");
        assertEquals(2, r.exit(), r.err());
        assertEquals("error: line 2 of stdin is longer than the 65536 bytes a frame may carry (see: client --help)", r.err().strip());
    }

    @Test
    void anUndeliverableMessageExitsOneInBoundedTimeNamingIt() throws IOException {
        // The server accepts payloads of at most 64 bytes: the 200-byte message makes it close the
        // connection every time, whatever the client does.
        try (EchoServer server = EchoServer.builder().maxFrame(64).start()) {
            Run r = part3("client", "--port", String.valueOf(server.port()), "--host", "127.0.0.1",
                    "--message", "short", "--message", "x".repeat(200), "--message", "after",
                    "--max-attempts", "3", "--timeout", "300");
            assertEquals(1, r.exit(), r.out() + r.err());
            assertTrue(r.err().contains("1 of 3 messages not delivered"), r.err());
            assertTrue(r.err().contains("seq 2 \"xxxxxxxxxxxxxxxxxxxxxxxx\"... after 3 transmissions"), r.err());
            assertTrue(r.out().contains("delivered        2"), r.out());
        }
    }

    @Test
    void withNoServerRunningTheClientSaysSoInOneLineAndExitsOne() throws IOException {
        // Bound but not listening: connecting is refused, and the port stays ours for the whole test.
        try (Socket reserved = new Socket()) {
            reserved.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = reserved.getLocalPort();
            Run r = part3("client", "--port", String.valueOf(port), "--host", "127.0.0.1", "--message", "hello");
            assertEquals(1, r.exit());
            assertEquals("", r.out());
            assertEquals("error: nothing listens on 127.0.0.1:" + port, r.err().strip());
        }
    }

    @Test
    void aHostNameThatDoesNotResolveIsNamedOnceInOneLine() {
        // .invalid never resolves (RFC 2606), with or without a network.
        Run r = part3("client", "--host", "no-such-host.invalid", "--port", "9", "--message", "hello");
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertEquals("error: unknown host: no-such-host.invalid", r.err().strip());
    }

    @Test
    void aServerThatNeverAnswersHelloIsNotedWhileRetriedThenNamedInOneLine() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Run r = part3("client", "--port", String.valueOf(silent.getLocalPort()), "--host", "127.0.0.1", "--message", "x",
                    "--timeout", "20", "--min-timeout", "10", "--max-timeout", "80");
            assertEquals(1, r.exit());
            List<String> lines = r.err().lines().toList();
            // Tries 20 and 40 ms apart: the notes are at most one a second, so the first is shown.
            assertEquals(2, lines.size(), r.err());
            assertTrue(lines.get(0).matches("note: no reply to HELLO within .* \\(is it a wire format v1 server\\?\\); connecting again in .*"),
                    r.err());
            assertTrue(lines.get(lines.size() - 1).startsWith("error: the server at 127.0.0.1:" + silent.getLocalPort()
                    + " accepted the connection but never answered HELLO"), r.err());
        }
    }

    @Test
    void whileMessagesKeepFailingTheClientNotesItsProgressOnStderr() throws IOException {
        // Answers HELLO, never acknowledges DATA.
        try (ScriptedServer server = new ScriptedServer((n, id, f) -> new ScriptedServer.Action.Drop())) {
            Run r = part3("client", "--port", String.valueOf(server.port()), "--host", "127.0.0.1", "--count", "5",
                    "--timeout", "20", "--min-timeout", "10", "--max-timeout", "40", "--max-attempts", "4", "--give-up-after", "1");
            assertEquals(1, r.exit());
            assertTrue(r.err().lines().anyMatch(l -> l.matches("note: seq 1 failed 3 times \\(last: no reply in time\\), sending it again;"
                    + " 0 of 5 delivered after [0-9.]+ s")), r.err());
            assertTrue(r.err().contains("error: 5 of 5 messages not delivered; gave up the run: 1 message failed"), r.err());
        }
    }

    @Test
    void badArgumentsAreAUsageErrorOnOneLine() {
        Run r = part3("client", "--window", "0", "--message", "x");
        assertEquals(2, r.exit());
        assertEquals("error: --window must be 1..4096, got 0 (see: part3 client --help)", r.err().strip());
        Run size = part3("client", "--count", "3", "--size", "70000");
        assertEquals(2, size.exit());
        assertEquals(1, size.err().strip().lines().count(), size.err());
        for (String command : List.of("client", "experiment")) {
            // a million messages of 64 KiB: 61 GiB, which used to end in an OutOfMemoryError
            Run huge = part3(command, "--count", "1000000", "--size", "65536");
            assertEquals(2, huge.exit(), huge.out() + huge.err());
            assertTrue(huge.err().startsWith("error: --count 1000000 x --size 65536 is too much to hold at once"), huge.err());
            assertEquals(1, huge.err().strip().lines().count(), huge.err());
        }
        Run overflow = part3("client", "--message", "x", "--timeout", "9223372036854775807", "--max-timeout", "9223372036854775807");
        assertEquals(2, overflow.exit(), overflow.err());
        assertEquals("error: --timeout, --min-timeout and --max-timeout must be at most 600000 ms (see: part3 client --help)",
                overflow.err().strip());
        Run nan = part3("experiment", "--delay", "NaN");
        assertEquals(2, nan.exit(), nan.out() + nan.err());
        assertEquals("error: --delay must be 0..10 seconds, got NaN (see: part3 experiment --help)", nan.err().strip());
        Run loss = part3("experiment", "--loss", "1.5");
        assertEquals(2, loss.exit());
        assertTrue(loss.err().startsWith("error: --loss values"), loss.err());
    }

    @Test
    void experimentPrintsProgressATableAndDrawsAPng(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("sweep.png");
        Run r = part3("experiment", "--loss", "0,0.3", "--window", "1,4", "--count", "40", "--delay", "0", "--repeat", "2",
                "--warmup", "200", "--loss-mode", "Replace", "--chart", png.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("warm-up: 2 unmeasured runs of 200 messages in "), r.out());
        assertTrue(r.out().contains("[8/8] loss "), r.out());
        assertTrue(r.out().contains("| loss | corrupt | delay | window | runs |"), r.out());
        assertEquals(4, r.out().lines().filter(l -> l.matches("\\| 0\\.[03]0 \\| 0\\.00 \\| 0 ms \\| [14] \\| 2 \\| 80/80 \\| yes \\|.*")).count(),
                r.out());
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head, "a PNG file");
    }

    @Test
    void theExperimentsDefaultsAreTheSweepThatSweepTestChecks() {
        ExperimentCommand cmd = new ExperimentCommand();
        Part3.configure(Cli.commandLine(cmd)).parseArgs();
        assertEquals(Sweep.defaults(), cmd.sweep());
    }

    @Test
    void theLossModeIsAnEnumParsedByPicocliInAnyCase() {
        ExperimentCommand cmd = new ExperimentCommand();
        Part3.configure(Cli.commandLine(cmd)).parseArgs("--loss-mode", "drop");
        assertEquals(dev.wirelab.part2.LossMode.DROP, cmd.lossMode);
        Run bad = part3("experiment", "--loss-mode", "lost");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().startsWith("error: Invalid value for option '--loss-mode': expected one of [REPLACE, DROP]"), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
    }

    @Test
    void theExperimentCommandsDefaultsAreTheSweepThatSweepTestChecks() {
        ExperimentCommand cmd = new ExperimentCommand();
        CommandLine cl = Part3.configure(Cli.commandLine(cmd));
        cl.parseArgs();
        assertEquals(Sweep.defaults(), cmd.sweep());
    }

    @Test
    void aMistypedOptionGetsTheLikelyOne() {
        Run r = part3("experiment", "--los", "0.5");
        assertEquals(2, r.exit());
        assertEquals("error: Unknown option: '--los'; did you mean --loss? (see: part3 experiment --help)", r.err().strip());
    }

    @Test
    void helpUsesOnePlaceholderStyle() {
        for (String command : List.of("client", "experiment", "demo")) {
            Run help = part3(command, "--help");
            assertEquals(0, help.exit());
            assertFalse(help.out().contains("<"), "no <placeholder> in " + command + " --help:\n" + help.out());
        }
        assertTrue(part3("client", "--help").out().contains("--port=PORT"));
        assertTrue(part3("experiment", "--help").out().contains("--loss=RATE[,RATE...]"));
    }

    @Test
    void theCommandListGivesEachCommandAWholeSentence() {
        // "part3 --help" shows each command's first description line: it must not stop mid-sentence.
        String help = part3("--help").out();
        String commands = help.substring(help.indexOf("Commands:") + "Commands:".length());
        List<String> entries = List.of(commands.strip().split("\\R(?=  \\S)"));
        assertEquals(3, entries.size(), help);
        for (String entry : entries) {
            String summary = entry.strip().replaceAll("\\s+", " ");
            assertTrue(summary.endsWith("."), "cut mid-sentence: " + summary);
        }
    }

    @Test
    void anUnwritableChartPathIsReportedBeforeTheSweep(@TempDir Path dir) throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("file.txt"), "x");
        Path png = notADirectory.resolve("sweep.png");
        Run r = part3("experiment", "--loss", "0", "--window", "1", "--count", "5", "--chart", png.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals("", r.out(), "no run started");
        assertTrue(r.err().startsWith("error: cannot write chart to " + png + ": "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void demoShowsThePlainClientFooledAndTheResilientClientDeliveringAll() {
        Run r = part3("demo");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("WRONG, and the plain client cannot tell"), r.out());
        assertTrue(r.out().contains("8 of 8 delivered; the server's handler got each message exactly once, intact."), r.out());
        assertTrue(r.out().contains("<-- ERROR"), r.out());
        assertTrue(r.out().contains("!!  corrupt"), r.out());
        assertTrue(r.out().strip().endsWith("Verdict: the plain client took 4 wrong replies at face value;"
                + " the resilient client delivered 8 of 8, each exactly once"), r.out());
    }
}
