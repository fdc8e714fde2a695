package dev.wirelab.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wirelab.grader.part2.ServerScenarios;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The part 2 grader against real servers in Python: a correct one passes everything, and each
 * broken one fails exactly the scenarios that its bug is about, with a sentence that names it.
 */
@Timeout(120)
class GradePart2Test {

    @TempDir
    Path dir;

    @BeforeAll
    static void needsPython() {
        assumeTrue(GraderCli.hasPython(), "python3 (3.8+) is not installed: the part 2 grader is tested against Python servers");
    }

    /** {@code script} is the file and, for good_echo.py, the bug it is given. */
    private static String server(String script) {
        String[] words = script.split(" ", 2);
        return "python3 " + GraderCli.resource("part2/" + words[0]) + " {port} {delay} {loss} {corrupt}"
                + (words.length > 1 ? " " + words[1] : "");
    }

    /**
     * Grades with {@code --time-scale 2} unless {@code more} gives one: these tests are about
     * which scenarios a server's bug fails, and a busy test machine must not add a late reply.
     */
    private GraderCli.Outcome grade(String script, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("grade", "part2", "--server", server(script)));
        args.addAll(List.of(more));
        if (!args.contains("--time-scale")) {
            args.addAll(List.of("--time-scale", "2"));
        }
        return GraderCli.run(dir.resolve("results.json"), args.toArray(String[]::new));
    }

    @Test
    void aCorrectConcurrentServerPassesEveryScenarioAndTheReportsSayAllPassed() throws Exception {
        Path gradescope = dir.resolve("gs/results.json");
        Path junit = dir.resolve("junit.xml");
        GraderCli.Outcome o = grade("good_echo.py", "--gradescope", gradescope.toString(), "--junit", junit.toString());
        assertEquals(Set.of(), o.failed(), o.transcript());
        assertEquals(0, o.exitCode(), o.transcript());
        assertEquals(ServerScenarios.ALL.size(), o.scenarios());
        assertTrue(o.out().contains(ServerScenarios.ALL.size() + " of " + ServerScenarios.ALL.size() + " scenarios passed"), o.out());
        // The rates are reported, not graded beyond their bounds; the pipelined delay is information.
        assertTrue(o.out().contains("binomial bounds"), o.out());
        JsonNode gs = GraderCli.JSON.readTree(gradescope.toFile());
        assertEquals(ServerScenarios.ALL.size(), gs.get("score").asInt());
        assertEquals(ServerScenarios.ALL.size(), gs.get("tests").size());
        for (JsonNode t : gs.get("tests")) {
            assertEquals("passed", t.get("status").asText());
            assertEquals(1, t.get("max_score").asInt());
            assertTrue(t.has("name") && t.has("output") && t.has("score"), t.toString());
        }
        String xml = Files.readString(junit);
        assertTrue(xml.contains("tests=\"" + ServerScenarios.ALL.size() + "\"") && xml.contains("failures=\"0\""), xml);
    }

    @Test
    void theReportsServerThatServesOneClientAtATimeFailsOnlyTheScenariosWithSeveralClients() throws Exception {
        GraderCli.Outcome o = grade("one_at_a_time.py");
        assertEquals(new TreeSet<>(Set.of("several-clients", "delay-other-clients")), o.failed(), o.transcript());
        assertEquals(1, o.exitCode());
        o.problems().values().forEach(p -> assertTrue(p.contains("serves one client at a time"), p));
        assertTrue(o.out().contains("FAIL several-clients: "), o.out());
        assertTrue(o.out().contains("last events before it:"), o.out());
    }

    @Test
    void aServerWhoseCorruptionMayHitTheNewlineFailsTheCorruptionScenarios() throws Exception {
        GraderCli.Outcome o = grade("good_echo.py newline");
        assertEquals(new TreeSet<>(Set.of("corrupt-always", "corrupt-rate")), o.failed(), o.transcript());
        o.problems().values().forEach(p -> assertTrue(p.contains("the newline was flipped"), p));
    }

    @Test
    void aReplyLaterThanTheToleranceFailsTheDelayAndATimeScaleOfTwoStretchesTheTolerance() throws Exception {
        GraderCli.Outcome strict = grade("good_echo.py late", "--only", "delay", "--time-scale", "1");
        assertEquals(new TreeSet<>(Set.of("delay")), strict.failed(), strict.transcript());
        assertTrue(strict.problems().get("delay").contains("(-20/+250 ms)"), strict.transcript());
        GraderCli.Outcome scaled = grade("good_echo.py late", "--only", "delay", "--time-scale", "2");
        assertEquals(new TreeSet<>(), scaled.failed(), scaled.transcript()); // 0.4 s late is within +500 ms
    }

    @Test
    void aServerWhoseDelayHoldsUpEveryClientFailsOnlyTheOtherClientsScenario() throws Exception {
        GraderCli.Outcome o = grade("good_echo.py shared-delay", "--time-scale", "1");
        assertEquals(new TreeSet<>(Set.of("delay-other-clients")), o.failed(), o.transcript());
        assertTrue(o.problems().get("delay-other-clients").contains("client A's delay held it up (is the delay slept while holding a lock every client shares?)"), o.transcript());
    }

    @Test
    void aSharedDelayIsToldByTheGapBetweenTheRepliesSoAGenerousTimeScaleDoesNotLetItPass() throws Exception {
        // At --time-scale 3 B's reply may be 750 ms late; held up by A's, it is about 400 ms late.
        GraderCli.Outcome o = grade("good_echo.py shared-delay", "--only", "delay-other-clients", "--time-scale", "3");
        assertEquals(new TreeSet<>(Set.of("delay-other-clients")), o.failed(), o.transcript());
        assertTrue(o.problems().get("delay-other-clients").contains("after client A's reply, instead of 0.200 s"), o.transcript());
    }

    @Test
    void aServerThatNeverAppliesItsRatesIsAskedWhetherItUsesThemAtAll() throws Exception {
        GraderCli.Outcome o = grade("good_echo.py whole-rates", "--only", "loss-always,corrupt-always,loss-rate,corrupt-rate");
        assertEquals(new TreeSet<>(Set.of("loss-rate", "corrupt-rate")), o.failed(), o.transcript());
        assertTrue(o.problems().get("loss-rate").contains("no reply was Packet Loss: is the loss rate used at all"), o.transcript());
        assertTrue(o.problems().get("corrupt-rate").contains("no reply was corrupted: is the corruption rate used at all"),
                o.transcript());
    }

    @Test
    void aServerThatDrawsEachRateTwicePerLineIsAskedWhetherItDrawsOncePerLine() throws Exception {
        GraderCli.Outcome o = grade("good_echo.py draw-twice", "--only", "loss-rate,corrupt-rate");
        assertEquals(new TreeSet<>(Set.of("loss-rate", "corrupt-rate")), o.failed(), o.transcript());
        o.problems().values().forEach(p -> assertTrue(p.contains("too many: is the rate applied once per line"), p));
    }

    @Test
    void aServerThatQuitsAfterItsFirstClientIsToldItExitedWithItsOwnCodeFirst() throws Exception {
        GraderCli.Outcome o = grade("good_echo.py quit-after-one", "--only", "binary,long-line");
        assertEquals(new TreeSet<>(Set.of("binary", "long-line")), o.failed(), o.transcript());
        // The exit is the cause, so it leads, with the code it exited with (not the grader's -1)
        // and when it did, not when the grader got round to asking.
        o.problems().values().forEach(p -> assertTrue(p.matches("your server exited with code 0 [0-9.]+ s into this scenario; .*"), p));
        for (String p : o.problems().values()) {
            double at = Double.parseDouble(p.replaceFirst("your server exited with code 0 ([0-9.]+) s .*", "$1"));
            assertTrue(at < 3.0, "dated when the grader asked (after its 2 s wait for a reply), not when it exited: " + p);
        }
    }

    @Test
    void aServerWhoseExitIsSeenAMomentAfterItsSocketsCloseIsStillToldItExited() throws Exception {
        GraderCli.Outcome o = grade("good_echo.py quit-slowly", "--only", "binary");
        assertEquals(new TreeSet<>(Set.of("binary")), o.failed(), o.transcript());
        String p = o.problems().get("binary");
        assertTrue(p.matches("your server exited with code 0 [0-9.]+ s into this scenario; .*; the clients saw: .*"), p);
    }

    @Test
    void aServerThatNeverFlushesIsAskedAboutItsBufferNotAboutThreads() throws Exception {
        GraderCli.Outcome o = grade("good_echo.py no-flush", "--only", "echo,several-clients,binary");
        assertEquals(new TreeSet<>(Set.of("echo", "several-clients", "binary")), o.failed(), o.transcript());
        o.problems().values().forEach(p -> assertTrue(p.contains("no client got a single byte back in this scenario")
                && p.contains("does it flush after each reply?"), p));
        assertTrue(!o.problems().get("several-clients").contains("serve several at once"), o.problems().get("several-clients"));
    }

    @Test
    void aServerOnAFixedPortIsToldToListenOnThePortItIsGiven() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            GraderCli.Outcome o = grade("good_echo.py fixed-port=" + taken.getLocalPort(), "--only", "echo");
            assertEquals(new TreeSet<>(Set.of("echo")), o.failed(), o.transcript());
            String p = o.problems().get("echo");
            assertTrue(p.contains("saying an address was in use, each of the 3 times the grader started it with a free port")
                    && p.endsWith("does it listen on the port it is given as {port}, not on a fixed one?"), p);
        }
    }

    @Test
    void aReplySentAtOnceIsTimedWhenItCameNotWhenTheGraderReadIt() throws Exception {
        GraderCli.Outcome o = grade("good_echo.py no-delay", "--only", "delay-other-clients");
        assertEquals(new TreeSet<>(Set.of("delay-other-clients")), o.failed(), o.transcript());
        Matcher m = Pattern.compile("client A gets \"A says hello[^\"]*\" after ([0-9.]+) ms").matcher(o.out());
        assertTrue(m.find(), o.out());
        // B sends 200 ms after A; A's reply, sent at once, must not be dated by when B had sent.
        assertTrue(Double.parseDouble(m.group(1)) < 150, m.group());
    }

    @Test
    void anEmptyLineWithCorruptionOnComesBackAsItIs() throws Exception {
        GraderCli.Outcome ok = grade("good_echo.py", "--only", "corrupt-always");
        assertEquals(new TreeSet<>(), ok.failed(), ok.transcript());
        GraderCli.Outcome raises = grade("good_echo.py empty-line", "--only", "corrupt-always");
        assertEquals(new TreeSet<>(Set.of("corrupt-always")), raises.failed(), raises.transcript());
        String p = raises.problems().get("corrupt-always");
        assertTrue(p.startsWith("an empty line (only its newline) got its connection closed, not itself back") && p.contains("comes back as it is"), p);
    }
}
