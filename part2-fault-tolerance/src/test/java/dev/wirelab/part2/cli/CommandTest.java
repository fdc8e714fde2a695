package dev.wirelab.part2.cli;

import dev.wirelab.common.Cli;
import dev.wirelab.part2.EchoServerStats;
import dev.wirelab.part2.FaultProxyStats;
import dev.wirelab.part2.TestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(60)
class CommandTest {

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(new Part2());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void theBusyPollAndItsOptionAreGone() {
        // Issue 15: the poll cost CPU at low rates and won under one load generator only.
        Run r = run("echo-server", "--port", "0", "--no-busy-poll");
        assertEquals(CommandLine.ExitCode.USAGE, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("--no-busy-poll"), r.err());
    }

    @Test
    void listeningOnAnAddressThisMachineDoesNotHaveSaysSo() {
        assumeTrue(!EchoServerCommand.isLocal("10.254.254.254"), "this machine has 10.254.254.254");
        Run r = run("echo-server", "--host", "10.254.254.254", "--port", "0");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("not one of this machine's"), r.err());
        assertFalse(r.err().contains("another server"), r.err());
    }

    @Test
    void anIdleTimeoutThatWouldRoundToNeverIsRejected() {
        Run r = run("echo-server", "--port", "0", "--idle-timeout", "0.0004");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("--idle-timeout"), r.err());
    }

    @Test
    void helpListsTheThreeCommands() {
        Run r = run("--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("echo-server") && r.out().contains("proxy") && r.out().contains("demo"), r.out());
    }

    @Test
    void theHelpOfEachServerExplainsEveryCounterItsCtrlCLinePrintsAndEveryFaultKind() {
        EchoServerStats server = new EchoServerStats(1, 0, 2, 1, 1, 0, 0, 0, java.util.Map.of());
        FaultProxyStats proxy = new FaultProxyStats(1, 0, 2, 0, 0, java.util.Map.of());
        for (String[] c : new String[][]{{"echo-server", server.describe()}, {"proxy", proxy.describe()}}) {
            Run r = run(c[0], "--help");
            assertEquals(0, r.exit(), r.err());
            String help = r.out().replaceAll("\\s+", " ");
            String footer = help.substring(help.indexOf("Counters on Ctrl-C:"));
            Matcher key = Pattern.compile("([a-z-]+)=").matcher(c[1]);
            while (key.find()) {
                assertTrue(Pattern.compile("(^|[ (;,])" + key.group(1) + "[ ;,)]").matcher(footer).find(),
                        c[0] + " --help explains " + key.group(1) + ": " + footer);
            }
            for (dev.wirelab.part2.Fault.Kind k : dev.wirelab.part2.Fault.Kind.values()) {
                assertTrue(Pattern.compile("[ (]" + k.action() + "[,)]").matcher(footer).find(),
                        c[0] + " --help names the fault counter " + k.action() + ": " + footer);
            }
        }
    }

    @Test
    void theDemoReproducesTheReportsDelayLossAndTeQuestionMarkT1() {
        Run r = run("demo", "--delay", "0.3");
        assertEquals(0, r.exit(), r.out() + r.err());
        // A lower bound only: on a loaded machine the reply may come later, never sooner.
        Matcher measured = Pattern.compile("measured: the reply came (\\d+\\.\\d+) s after").matcher(r.out());
        assertTrue(measured.find(), r.out());
        assertTrue(Double.parseDouble(measured.group(1)) >= 0.3, "never sooner than the delay: " + r.out());
        assertTrue(r.out().contains("got Packet Loss\\n"), r.out());
        assertTrue(r.out().contains("0000   54 65 8c 74 31 0a"), "the report's corrupted bytes: " + r.out());
        assertTrue(r.out().contains("             ^^"), r.out());
        assertTrue(r.out().contains("\"Te?t1\""), r.out());
        assertTrue(r.out().strip().endsWith("Verdict: delay, loss, corruption, duplication and reset each broke the plain client's exchange"),
                "./lab demo's summary reads the last Verdict line: " + r.out());
    }

    @Test
    void aRateOutsideZeroToOneIsAUsageError() {
        Run r = run("echo-server", "--loss", "1.5");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--loss must be a probability between 0.0 and 1.0"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void anUnknownLossModeOrDirectionIsAUsageError() {
        assertEquals(2, run("echo-server", "--loss-mode", "sometimes").exit());
        assertEquals(2, run("proxy", "--listen", "0", "--upstream", "localhost:8080", "--direction", "sideways").exit());
    }

    @Test
    void aScriptWithAnErrorIsRefusedAtStartWithItsLineAndExitTwo() throws Exception {
        Run r = run("echo-server", "--port", "0", "--script-text", "seq 3: ack-drop; seq 4: dorp");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals("error: --script-text:2: unknown action 'dorp' (one of: drop, error, ack-drop, corrupt, corrupt byte K,"
                + " duplicate, reset, delay D, stall D, reorder)", r.err().strip());
        java.nio.file.Path file = java.nio.file.Files.createTempFile("faults", ".txt");
        try {
            java.nio.file.Files.writeString(file, "# ok\nseq 3 ack-drop\n");
            Run f = run("echo-server", "--port", "0", "--script", file.toString());
            assertEquals(2, f.exit());
            assertTrue(f.err().startsWith("error: " + file + ":2: expected 'SELECTOR: ACTION'"), f.err());
        } finally {
            java.nio.file.Files.delete(file);
        }
        assertEquals(2, run("echo-server", "--port", "0", "--script", "/nonexistent/faults.txt").exit());
    }

    @Test
    void theProxyRefusesABadScriptAndAnAckDropItNeverSeesWithTheLineAndExitTwo() {
        Run bad = run("proxy", "--listen", "0", "--upstream", "localhost:1", "--script-text", "seq x: drop");
        assertEquals(2, bad.exit(), bad.out() + bad.err());
        assertEquals("error: --script-text:1: seq N needs a sequence number N >= 1, got 'x'", bad.err().strip());
        Run up = run("proxy", "--listen", "0", "--upstream", "localhost:1", "--direction", "up",
                "--script-text", "seq 2: drop; seq 3: ack-drop");
        assertEquals(2, up.exit(), up.out() + up.err());
        assertEquals("error: --script-text:2: ack-drop loses the reply, which a proxy with --direction up never touches:"
                + " use --direction down or both", up.err().strip());
        assertFalse(up.out().contains("listening"), up.out());
    }

    @Test
    void anUpstreamWithoutAPortIsAUsageError() {
        Run r = run("proxy", "--listen", "0", "--upstream", "localhost");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--upstream must be HOST:PORT"), r.err());
    }

    @Test
    void aPortInUseIsOneLineSayingSo() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Run r = run("echo-server", "--host", "127.0.0.1", "--port", String.valueOf(taken.getLocalPort()));
            assertEquals(1, r.exit());
            assertTrue(r.err().startsWith("error: cannot listen on 127.0.0.1:" + taken.getLocalPort()), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    @Test
    void theAdminApiListensOnLoopbackUnlessToldOtherwise() throws Exception {
        EchoServerCommand cmd = new EchoServerCommand();
        new CommandLine(cmd).parseArgs("--admin", "0");
        try (dev.wirelab.part2.EchoServer s = dev.wirelab.part2.EchoServer.builder().start();
             AdminServer a = cmd.admin.start(AdminServer.of(s), line -> { })) {
            assertTrue(a.address().getAddress().isLoopbackAddress(), a.address().toString());
        }
    }

    /** Starts {@code args} of part 2 in a JVM of its own (to send it SIGINT), output and errors merged. */
    private static Process part2(String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), Part2.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /**
     * Runs part 2's {@code args} in a JVM of its own, sends a line to the port its banner names
     * (expecting Packet Loss back), then SIGINT; returns what it printed after the banner, once it
     * exited 0.
     */
    private static String lossThenCtrlC(String... args) throws Exception {
        Process p = part2(args);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String banner = out.readLine();
            Matcher m = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)").matcher(String.valueOf(banner));
            assertTrue(m.find(), "banner: " + banner);
            try (TestClient c = new TestClient(new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1))))) {
                c.sendLine("Test1");
                assertEquals("Packet Loss\n", c.readLine());
            }
            assertEquals(0, new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor());
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            String rest = String.join("\n", out.lines().toList());
            assertEquals(0, p.exitValue(), rest);
            return rest;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void theProxysCtrlCPrintsItsCountersWithTheFaultsByKindAndExitsZero() throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "sends SIGINT with kill(1), Linux only");
        try (dev.wirelab.part2.EchoServer server = dev.wirelab.part2.EchoServer.builder().start()) {
            String rest = lossThenCtrlC("proxy", "--listen", "0", "--upstream", "127.0.0.1:" + server.port(),
                    "--direction", "down", "--loss", "1.0", "--seed", "1");
            assertTrue(rest.contains("stopped: connections=1 units=1 refused=0 shed=0 faults: error=1"), rest);
        }
    }

    @Test
    void echoServerServesNcStyleClientsAndCtrlCPrintsTheCountersAndExitsZero() throws Exception {
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "sends SIGINT with kill(1), Linux only");
        String rest = lossThenCtrlC("echo-server", "--port", "0", "--loss", "1.0", "--seed", "1");
        assertTrue(rest.contains("loss, replaced by \"Packet Loss\""), rest);
        assertTrue(rest.contains("stopped: connections=1 messages=1") && rest.contains("faults: error=1"), rest);
    }
}
