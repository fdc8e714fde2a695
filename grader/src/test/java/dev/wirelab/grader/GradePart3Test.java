package dev.wirelab.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wirelab.grader.part3.ClientScenarios;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The part 3 grader against real clients: the project's own client and a complete Python client
 * pass every scenario, and each deliberately broken client fails exactly the scenarios its bug is
 * about, with a sentence that names the mechanism it lacks.
 */
@Timeout(150)
class GradePart3Test {

    @TempDir
    Path dir;

    private static final String STARTER = "exercise/part3";

    /** The Python client of the test resources, on the starter's plumbing, with one bug or none. */
    static String python(String bug) {
        return "STARTER=" + CommandTemplate.quote(GraderCli.resource(STARTER)) + " python3 "
                + CommandTemplate.quote(GraderCli.resource("part3/reliable_client.py")) + " {host} {port}" + (bug.isEmpty() ? "" : " " + bug);
    }

    private GraderCli.Outcome grade(String client, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("grade", "part3", "--client", client));
        args.addAll(List.of(more));
        return GraderCli.run(dir.resolve("results.json"), args.toArray(String[]::new));
    }

    @Test
    void theProjectsOwnClientPassesEveryScenario() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // C1 only: a client's JVM starts sooner, and starts once per scenario.
        String client = CommandTemplate.quote(java) + " -XX:TieredStopAtLevel=1 -cp " + CommandTemplate.quote(System.getProperty("java.class.path"))
                + " dev.wirelab.part3.Part3 client --host {host} --port {port}";
        GraderCli.Outcome o = grade(client, "--junit", dir.resolve("junit.xml").toString());
        assertEquals(Set.of(), o.failed(), o.transcript());
        assertEquals(0, o.exitCode());
        assertEquals(ClientScenarios.ALL.size(), o.scenarios());
    }

    @Test
    void aCompletePythonClientOnTheStartersPlumbingPassesEveryScenario() throws Exception {
        assumeTrue(GraderCli.hasPython(), "python3 (3.8+) is not installed");
        GraderCli.Outcome o = grade(python(""));
        assertEquals(Set.of(), o.failed(), o.transcript());
        assertEquals(0, o.exitCode());
    }

    /**
     * A second reading of the format: a client written from docs/wire-format.md alone, with no
     * project code and a design of its own (four messages in flight, a timer per message), so
     * that the grader is seen to grade the format as written, not the project's way of doing it.
     */
    @Test
    void aClientWrittenFromTheWireFormatPageAlonePassesEveryScenario() throws Exception {
        assumeTrue(GraderCli.hasPython(), "python3 (3.8+) is not installed");
        GraderCli.Outcome o = grade("python3 " + CommandTemplate.quote(GraderCli.resource("part3/independent_client.py")) + " {host} {port}");
        assertEquals(Set.of(), o.failed(), o.transcript());
        assertEquals(0, o.exitCode());
        assertEquals(ClientScenarios.ALL.size(), o.scenarios());
    }

    static Stream<Arguments> brokenClients() {
        return Stream.of(
                Arguments.of("no-retransmit", List.of(), Set.of("drop", "drop-last", "error", "ack-drop", "corrupt-undelivered", "corrupt-length",
                        "stale-ack", "delay-spike", "reset", "burst", "random-mix", "efficiency"), "was never delivered"),
                Arguments.of("no-crc", List.of(), Set.of("corrupt-undelivered"), "so its CRC-32C did not match"),
                Arguments.of("any-ack", List.of(), Set.of("stale-ack", "random-mix"), "a stale ACK is no answer"),
                Arguments.of("no-reconnect", List.of(), Set.of("corrupt-undelivered", "corrupt-length", "reset", "random-mix"), "reconnect"),
                Arguments.of("eager", List.of(), Set.of("delay-spike", "efficiency"), ""),
                Arguments.of("no-last-ack", List.of(), Set.of("drop-last", "efficiency"), "without waiting for its ACK"),
                Arguments.of("new-session", List.of("--only", "clean,reset,corrupt-length,duplicate-ack"), Set.of("reset", "corrupt-length"),
                        "under a new session id"),
                Arguments.of("renumber", List.of("--only", "clean,ack-drop"), Set.of("ack-drop"), "a retransmission keeps its message's seq"));
    }

    @ParameterizedTest(name = "{0} fails exactly {2}")
    @MethodSource("brokenClients")
    void aBrokenClientFailsExactlyTheScenariosOfItsBug(String bug, List<String> only, Set<String> expected, String phrase)
            throws Exception {
        assumeTrue(GraderCli.hasPython(), "python3 (3.8+) is not installed");
        GraderCli.Outcome o = grade(python(bug), only.toArray(String[]::new));
        assertEquals(new TreeSet<>(expected), o.failed(), o.transcript());
        assertEquals(1, o.exitCode());
        o.problems().values().forEach(p -> assertTrue(p.contains(phrase), bug + ": " + p));
        assertTrue(o.out().contains("last events before it:"), o.out());
    }

    /**
     * What the scenarios do not catch, as docs/grading.md says: a fixed timer of about a second,
     * and a CRC-32C check skipped while the type, seq and echoed payload are still checked.
     */
    @ParameterizedTest(name = "{0} passes every scenario")
    @ValueSource(strings = {"fixed-timer", "skip-crc"})
    void aClientWithAGapTheScenariosLeaveStillPassesEveryScenario(String bug) throws Exception {
        assumeTrue(GraderCli.hasPython(), "python3 (3.8+) is not installed");
        GraderCli.Outcome o = grade(python(bug));
        assertEquals(Set.of(), o.failed(), o.transcript());
        assertEquals(ClientScenarios.ALL.size(), o.scenarios());
    }

    @Test
    void theEagerClientIsToldItRetransmitsTooEagerlyAndTheDelaySpikeThatItGaveUpTooSoon() throws Exception {
        assumeTrue(GraderCli.hasPython(), "python3 (3.8+) is not installed");
        GraderCli.Outcome o = grade(python("eager"), "--only", "delay-spike,efficiency");
        assertTrue(o.problems().get("efficiency").contains("it retransmits too eagerly"), o.transcript());
        assertTrue(o.problems().get("delay-spike").contains("double the timeout after each one"), o.transcript());
    }
}
