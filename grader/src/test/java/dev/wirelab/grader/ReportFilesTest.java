package dev.wirelab.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class ReportFilesTest {

    @TempDir
    Path dir;

    private record S(String name, String description) implements Scenario {
        @Override
        public Duration limit() {
            return Duration.ofSeconds(10);
        }

        @Override
        public boolean solo() {
            return false;
        }
    }

    private static Run run() {
        S ok = new S("clean", "No faults.");
        S bad = new S("drop", "DATA 3 is lost.");
        Result.Program p = new Result.Program("python3 c.py", 1, false, List.of("out"), List.of("Traceback\u0001 (bell)"));
        return new Run("part3", "python3 c.py {host} {port}", 7, 1.0, List.of(
                Result.pass(ok, List.of(), Duration.ofMillis(250), ok.limit(), p),
                Result.fail(bad, "message 3 was never delivered: your client did not send it again", List.of("  1.000 ms  --> DATA 3"),
                        List.of(), Duration.ofMillis(900), bad.limit(), p)), Duration.ofMillis(2600));
    }

    @Test
    void gradescopeGetsTheScoreAndOneTestPerScenarioWithItsExplanation() {
        JsonNode gs = GraderCli.JSON.valueToTree(ReportFiles.gradescope(run()));
        assertEquals(1, gs.get("score").asInt());
        JsonNode drop = gs.get("tests").get(1);
        assertEquals("drop", drop.get("name").asText());
        assertEquals(0, drop.get("score").asInt());
        assertEquals(1, drop.get("max_score").asInt());
        assertEquals("failed", drop.get("status").asText());
        assertTrue(drop.get("output").asText().contains("FAIL: message 3 was never delivered"), drop.toString());
        assertTrue(drop.get("output").asText().contains("--> DATA 3"), drop.toString());
        assertEquals("passed", gs.get("tests").get(0).get("status").asText());
        assertEquals(3, gs.get("execution_time").asInt(), "the run's wall time (2.6 s), not the scenarios' sum (1.15 s)");
    }

    @Test
    void junitXmlIsWellFormedEvenWithControlCharactersAndHasAFailurePerFailedScenario() throws Exception {
        Path f = dir.resolve("sub/junit.xml");
        ReportFiles.writeJunit(f, run());
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(f.toFile());
        Element suite = d.getDocumentElement();
        assertEquals("2", suite.getAttribute("tests"));
        assertEquals("1", suite.getAttribute("failures"));
        assertEquals(1, d.getElementsByTagName("failure").getLength());
        Element failure = (Element) d.getElementsByTagName("failure").item(0);
        assertTrue(failure.getAttribute("message").startsWith("message 3 was never delivered"));
        assertTrue(Files.readString(f).contains("Traceback\uFFFD (bell)"));
    }

    @Test
    void theTableSaysWhatFailedWhyAndHowToRerunIt() {
        StringWriter s = new StringWriter();
        Run r = run();
        TableReport t = new TableReport(new PrintWriter(s), List.of(new S("clean", ""), new S("drop", "")));
        r.results().forEach(t::row);
        t.details(r);
        String out = s.toString();
        assertTrue(out.contains("  clean     PASS"), out);
        assertTrue(out.contains("FAIL drop: DATA 3 is lost.\n  message 3 was never delivered"), out);
        assertTrue(out.contains("    | Traceback"), out);
        assertTrue(out.contains("1 of 2 scenarios passed (score 1/2); re-run one with --only NAME."), out);
    }
}
