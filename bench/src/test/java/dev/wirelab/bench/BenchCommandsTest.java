package dev.wirelab.bench;

import dev.wirelab.common.Cli;
import dev.wirelab.part2.EchoServer;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.FaultProxy;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each bench command end to end with tiny durations: it finishes, its tables have the rows its
 * options ask for, its progress says how far it is. Never a figure: those need a quiet machine.
 */
class BenchCommandsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int bench(String... args) {
        CommandLine cl = Cli.commandLine(new Bench());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    /** The table rows of stdout that start with {@code prefix}. */
    private List<String> rows(String prefix) {
        return out.toString().lines().filter(l -> l.startsWith(prefix)).toList();
    }

    /** Progress lines are numbered 1..N and the last one is N of N. */
    private void assertProgressCountsUpTo(int steps) {
        Matcher m = Pattern.compile("^\\[(\\d+)/(\\d+), \\d+:\\d\\d of about \\d+:\\d\\d] ", Pattern.MULTILINE).matcher(err.toString());
        int seen = 0;
        while (m.find()) {
            seen++;
            assertEquals(seen, Integer.parseInt(m.group(1)), err.toString());
            assertEquals(steps, Integer.parseInt(m.group(2)), err.toString());
        }
        assertEquals(steps, seen, err.toString());
    }

    @Test
    @Timeout(120)
    void echoRunsBothServersUnderBothGeneratorsAndReadsTheirIdleAndLowRateCpu() {
        int rc = bench("echo", "--seconds", "0.2", "--warmup", "0.05", "--rounds", "2", "--connections", "1,3",
                "--idle-seconds", "0.2", "--idle-connections", "3", "--paced-seconds", "0.2", "--paced-interval-us", "500");
        assertEquals(0, rc, err.toString());
        // 2 levels x 2 servers, then one row per level in the table of what the rounds resolve.
        assertEquals(6, rows("| selector | ").size(), out.toString());
        assertEquals(6, rows("| blocking | ").size(), out.toString());
        Matcher resolved = Pattern.compile("^\\| (selector|blocking) \\| [13] \\| [\\d.]+× \\| [\\d.]+×–[\\d.]+× \\| — "
                + "\\| [\\d.]+× \\| [\\d.]+×–[\\d.]+× \\| — \\|$", Pattern.MULTILINE).matcher(out.toString());
        assertEquals(4, resolved.results().count(), "two rounds: every cell shown, none called: " + out);
        assertTrue(out.toString().contains("with 50.0 % confidence")
                && out.toString().contains("Resolved by these rounds: nothing (too few rounds for a firm call)."), out.toString());
        // One row per server in the idle table and one in the low-rate table.
        assertEquals(2, rows("| part 2 EchoServer | ").size(), out.toString());
        assertEquals(2, rows("| Netty example EchoServerHandler (NIO) | ").size(), out.toString());
        assertTrue(out.toString().contains("one client sends a message 500 µs after each echo"), out.toString());
        Matcher paced = Pattern.compile("^\\| part 2 EchoServer \\| ([\\d,]+) \\| [\\d.]+ \\| [\\d.]+ µs \\|$", Pattern.MULTILINE)
                .matcher(out.toString());
        assertTrue(paced.find(), out.toString());
        assertTrue(Integer.parseInt(paced.group(1).replace(",", "")) > 0, "the paced client completed no echo");
        assertTrue(out.toString().contains("Goal, at least Netty's round trips/s at every level under every generator: "));
        // warm-up 2 generators x 2 servers, runs 2 levels x 2 rounds x 2 generators x 2 servers, idle 2, low rate 2
        assertProgressCountsUpTo(4 + 16 + 2 + 2);
    }

    @Test
    @Timeout(60)
    void echoWithOneGeneratorRunsOnlyThatOne() {
        int rc = bench("echo", "--generator", "blocking", "--seconds", "0.1", "--warmup", "0", "--rounds", "1",
                "--connections", "2", "--idle-seconds", "0", "--paced-seconds", "0");
        assertEquals(0, rc, err.toString());
        assertEquals(3, rows("| blocking | 2 | ").size(), out.toString()); // two servers, then what the rounds resolve
        assertEquals(0, rows("| selector | ").size(), out.toString());
        assertTrue(!out.toString().contains("Server CPU while idle"), out.toString());
        assertTrue(!out.toString().contains("Server CPU at a low rate"), out.toString());
    }

    @Test
    void anUnknownGeneratorIsAUsageError() {
        assertEquals(Cli.USAGE, bench("echo", "--generator", "epoll"));
        assertTrue(err.toString().contains("--generator"), err.toString());
    }

    @Test
    @Timeout(120)
    void proxyComparesBulkAndLatencyWithADirectConnectionAtEachLevel() {
        int rc = bench("proxy", "--megabytes", "2", "--connections", "1,3", "--rounds", "1", "--seconds", "0.2", "--warmup", "0");
        assertEquals(0, rc, err.toString());
        assertEquals(2, rows("| 1 | direct | ").size(), out.toString()); // one bulk row, one latency row
        assertEquals(2, rows("| 3 | through the proxy | ").size(), out.toString());
        assertTrue(out.toString().matches("(?s).*\\| 3 \\| through the proxy \\|[^\\n]*\\| [+-]\\d+ µs \\| [+-]\\d+ µs \\|.*"), out.toString());
        assertProgressCountsUpTo(2 + 2 * 4);
    }

    @Test
    @Timeout(30)
    void aBulkTransferThatDoesNotArriveWholeFails() throws Exception {
        try (BulkSink sink = new BulkSink();
             FaultProxy lossy = FaultProxy.builder().upstream(sink.address()).faults(FaultConfig.none().withLoss(0.5)).seed(3).start()) {
            IOException e = assertThrows(IOException.class, () -> BulkSink.transfer(lossy.address(), 2, 64 * 1024, 1024));
            assertTrue(e.getMessage().contains("bulk transfer(s) failed: the sink read "), e.getMessage());
        }
    }

    @Test
    @Timeout(30)
    void aBulkTransferCountsEveryByteOnEveryConnection() throws Exception {
        try (BulkSink sink = new BulkSink()) {
            double seconds = BulkSink.transfer(sink.address(), 3, 3 * 64 * 1024 + 1024, 1024);
            assertTrue(seconds > 0);
        }
    }

    @Test
    @Timeout(120)
    void clientMeasuresEachWindowAgainstTheFloor() {
        int rc = bench("client", "--count", "50", "--rounds", "2", "--window", "1,4");
        assertEquals(0, rc, err.toString());
        assertEquals(1, rows("| 1 | ").size(), out.toString());
        assertEquals(1, rows("| 4 | ").size(), out.toString());
        assertProgressCountsUpTo(2 + 2 * 2 * 2);
    }

    @Test
    @Timeout(30)
    void theFloorTakesOneRoundTripPerMessageAndChecksEachAck() throws Exception {
        List<byte[]> payloads = dev.wirelab.part3.ClientCommand.generate(40, 32);
        Histogram rtt = new Histogram(3);
        assertTrue(ClientBench.floorRun(payloads, 1, rtt) > 0);
        assertEquals(40, rtt.getTotalCount(), "one round trip recorded per message");
        try (EchoServer corrupting = EchoServer.builder().port(0).faults(FaultConfig.none().withCorrupt(1.0)).seed(1).start()) {
            IOException e = assertThrows(IOException.class, () -> ClientBench.floor(corrupting.address(), payloads, 1, new Histogram(3)));
            assertTrue(e.getMessage().contains("invalid frame") || e.getMessage().contains("expected ACK")
                    || e.getMessage().contains("closed"), e.getMessage());
        }
    }

    @Test
    @Timeout(120)
    void experimentTimesTheSweepInAFreshJvmAndCountsItsRuns() {
        // Two loss rates, each run twice: the count comes from the experiment's own progress lines.
        int rc = bench("experiment", "--runs", "1", "--", "--loss", "0,0.1", "--window", "1", "--count", "5", "--repeat", "2", "--warmup", "0");
        assertEquals(0, rc, err.toString());
        String sweep = "| `--loss 0,0.1 --window 1 --count 5 --repeat 2 --warmup 0` | ";
        List<String> table = rows(sweep);
        assertEquals(1, table.size(), out.toString());
        assertTrue(table.getFirst().startsWith(sweep + "4 | "), table.getFirst());
        assertTrue(err.toString().contains("    [4/4] loss 0.10"), err.toString()); // the experiment's own progress, passed on
    }

    @Test
    @Timeout(60)
    void anExperimentThatFailsFailsTheBenchWithItsError() {
        int rc = bench("experiment", "--runs", "1", "--", "--window", "0");
        assertEquals(Cli.FAILED, rc, err.toString());
        assertTrue(err.toString().contains("part3 experiment exited with 2"), err.toString());
        assertTrue(err.toString().contains("--window"), err.toString());
    }

    @Test
    @Timeout(120)
    void hostileHoldsSlowAndNonReadingClientsWhileAGoodClientGetsEveryReply() {
        // A small version of issue 12's load; the p99 goal is printed, never asserted (a loaded
        // machine may miss it), and so is the exit code it sets.
        int rc = bench("hostile", "--slowloris", "20", "--non-readers", "10", "--push-kib", "256", "--seconds", "1",
                "--trickle-seconds", "0.2", "--interval-ms", "5", "--server-heap-mib", "64");
        assertTrue(rc == Cli.OK || rc == Cli.FAILED, err.toString());
        String text = out.toString();
        assertTrue(text.contains("Goal, the good client gets every reply: met."), text + err);
        assertTrue(text.contains("Goal, every hostile connection is held, none dropped: met."), text + err);
        List<String> good = rows("| ").stream().filter(l -> l.matches("\\| [\\d,]+ / [\\d,]+ \\|.*")).toList();
        assertEquals(1, good.size(), text);
        assertTrue(good.getFirst().contains("| 0 of 30 |"), good.getFirst());
        assertTrue(text.contains("| live heap after a full GC |"), text);
        assertProgressCountsUpTo(5);
    }

    @Test
    void everySmokeArgumentListIsValidForItsBench() {
        assertEquals(Bench.ALL.stream().sorted().toList(), Bench.All.SMOKE.keySet().stream().sorted().toList());
        CommandLine cl = Cli.commandLine(new Bench());
        for (String name : Bench.ALL) {
            List<String> args = new java.util.ArrayList<>(List.of(name));
            args.addAll(Bench.All.SMOKE.get(name));
            cl.parseArgs(args.toArray(String[]::new)); // throws on an option a bench no longer has
        }
    }

    @Test
    void benchAllHelpStatesWhatTheBenchesEstimateAndTheDocsSayTheSame() throws IOException {
        Duration planned = Bench.All.planned(Cli.commandLine(new Bench()));
        assertEquals(Bench.All.MINUTES, Math.round(planned.toSeconds() / 60.0), "the benches' own estimates add up to " + planned);
        assertEquals(0, bench("all", "--help"));
        assertTrue(out.toString().replaceAll("\\s+", " ").contains("(about " + Bench.All.MINUTES + " minutes in all)"), out.toString());
        String docs = Files.readString(Path.of("..", "docs", "performance.md"), StandardCharsets.UTF_8);
        assertTrue(docs.contains("./lab bench all ") && docs.matches("(?s).*\\./lab bench all [^\\n]*\\(about " + Bench.All.MINUTES
                + " minutes\\).*"), "docs/performance.md's './lab bench all' line says another duration than its --help");
    }
}
