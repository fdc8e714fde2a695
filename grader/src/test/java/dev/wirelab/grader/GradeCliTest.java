package dev.wirelab.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wirelab.grader.part2.ServerScenarios;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What {@code grade} says when it is asked wrongly, or the program cannot be graded at all. */
@Timeout(60)
class GradeCliTest {

    @TempDir
    Path dir;

    @Test
    void listNamesEveryScenarioWithItsLimitAndRunsNothing() throws Exception {
        GraderCli.Outcome o = GraderCli.run(null, "grade", "part2", "--list");
        assertEquals(0, o.exitCode(), o.transcript());
        for (var s : ServerScenarios.ALL) {
            assertTrue(o.out().contains("  " + s.name() + " "), o.out());
        }
        assertTrue(o.out().contains("10 s"), o.out());
    }

    @Test
    void anUnknownScenarioIsAUsageErrorThatListsTheKnownOnes() throws Exception {
        GraderCli.Outcome o = GraderCli.run(null, "grade", "part2", "--server", "true {port}", "--only", "ecko");
        assertEquals(2, o.exitCode());
        assertTrue(o.err().contains("unknown scenario 'ecko'") && o.err().contains("echo, several-clients"), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
    }

    @Test
    void aCommandWithoutThePortPlaceholderIsAUsageErrorThatShowsTheFix() throws Exception {
        GraderCli.Outcome o = GraderCli.run(null, "grade", "part2", "--server", "python3 echo.py 8080");
        assertEquals(2, o.exitCode());
        assertTrue(o.err().contains("--server must contain {port}") && o.err().contains("'python3 echo.py {port}'"), o.err());
    }

    @Test
    void anUnknownPlaceholderIsAUsageError() throws Exception {
        GraderCli.Outcome o = GraderCli.run(null, "grade", "part2", "--server", "echo.py {port} {latency}");
        assertEquals(2, o.exitCode());
        assertTrue(o.err().contains("unknown placeholder {latency}"), o.err());
    }

    @Test
    void aServerThatExitsAtOnceFailsWithItsExitCodeAndItsLastWords() throws Exception {
        GraderCli.Outcome o = GraderCli.run(dir.resolve("r.json"), "grade", "part2", "--only", "echo",
                "--server", "echo 'Traceback: no module named socketz' >&2; exit 3 # {port}");
        assertEquals(1, o.exitCode(), o.transcript());
        String problem = o.problems().get("echo");
        assertTrue(problem.contains("exited with code 3 before it listened on port"), problem);
        assertTrue(o.out().contains("| Traceback: no module named socketz"), o.out());
    }

    @Test
    void aClientCommandTheShellCannotFindIsSaidSoWithItsError() throws Exception {
        GraderCli.Outcome o = GraderCli.run(dir.resolve("r.json"), "grade", "part3", "--only", "clean",
                "--client", "pythn3 client.py {host} {port}");
        assertEquals(1, o.exitCode(), o.transcript());
        String problem = o.problems().get("clean");
        assertTrue(problem.startsWith("your client never connected to the server; it exited with code 127 (the shell found no such"
                + " command)"), problem);
        assertTrue(o.out().contains("pythn3"), o.out());
    }

    @Test
    void aClientThatHangsIsKilledAtItsLimitAndTheReportSaysSo() throws Exception {
        GraderCli.Outcome o = GraderCli.run(dir.resolve("r.json"), "grade", "part3", "--only", "clean", "--time-scale", "0.1",
                "--client", "sleep 60 # {port}");
        assertEquals(1, o.exitCode(), o.transcript());
        assertTrue(o.problems().get("clean").contains("was still running at the 1 s time limit (it was killed)"), o.transcript());
        assertTrue(o.json().get("scenarios").get(0).get("program").get("timed_out").asBoolean());
        assertTrue(o.out().contains(GradeOptions.SHORTER_LIMITS), "a scale below 1 says a FAIL need not be the program's:\n" + o.out());
        GraderCli.Outcome scaled = GraderCli.run(null, "grade", "part3", "--only", "clean", "--time-scale", "1.5", "--client", "true # {port}");
        assertTrue(scaled.out().contains("time limits x1.5") && !scaled.out().contains(GradeOptions.SHORTER_LIMITS), scaled.out());
    }

    @Test
    void aServerThatNeverListensIsStoppedAndSaysWhichPortItWasGiven() throws Exception {
        GraderCli.Outcome o = GraderCli.run(dir.resolve("r.json"), "grade", "part2", "--only", "echo", "--time-scale", "0.2",
                "--server", "sleep 60 # {port}");
        assertEquals(1, o.exitCode(), o.transcript());
        assertTrue(o.problems().get("echo").contains("did not accept connections on 127.0.0.1 port"), o.transcript());
    }
}
