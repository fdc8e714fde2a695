package dev.wirelab.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wirelab.grader.part2.ServerScenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
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

    private GraderCli.Outcome grade(String script, String... more) throws Exception {
        String[] args = new String[4 + more.length];
        args[0] = "grade";
        args[1] = "part2";
        args[2] = "--server";
        args[3] = server(script);
        System.arraycopy(more, 0, args, 4, more.length);
        return GraderCli.run(dir.resolve("results.json"), args);
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
    void aServerWhoseDelayHoldsUpEveryClientFailsOnlyTheOtherClientsScenario() throws Exception {
        GraderCli.Outcome o = grade("good_echo.py shared-delay");
        assertEquals(new TreeSet<>(Set.of("delay-other-clients")), o.failed(), o.transcript());
        assertTrue(o.problems().get("delay-other-clients").contains("client A's delay held it up"), o.transcript());
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
}
