package dev.wirelab.grader;

import java.time.Duration;
import java.util.List;

/**
 * How one scenario went.
 *
 * @param problem  null when it passed; else one sentence in the student's terms
 * @param ladder   the last events before the problem, as ladder lines (empty when it passed)
 * @param notes    information that is not graded (e.g. how pipelined lines were delayed)
 * @param program  what the student's program did, or null when it never started
 */
public record Result(String name, String description, int points, boolean passed, String problem,
                     List<String> ladder, List<String> notes, Duration elapsed, Duration limit, Program program) {

    public Result {
        ladder = List.copyOf(ladder);
        notes = List.copyOf(notes);
    }

    /**
     * The student's program in this scenario.
     *
     * @param exitCode null while it was still running (a server the grader stopped), -1 if killed
     */
    public record Program(String command, Integer exitCode, boolean timedOut, List<String> stdout, List<String> stderr) {
        public Program {
            stdout = List.copyOf(stdout);
            stderr = List.copyOf(stderr);
        }

        public static Program of(String command, Integer exitCode, boolean timedOut, OutputCapture out, OutputCapture err) {
            return new Program(command, exitCode, timedOut, out == null ? List.of() : out.lines(),
                    err == null ? List.of() : err.lines());
        }
    }

    public static Result pass(Scenario s, List<String> notes, Duration elapsed, Duration limit, Program program) {
        return new Result(s.name(), s.description(), s.points(), true, null, List.of(), notes, elapsed, limit, program);
    }

    public static Result fail(Scenario s, String problem, List<String> ladder, List<String> notes, Duration elapsed,
                              Duration limit, Program program) {
        return new Result(s.name(), s.description(), s.points(), false, problem, ladder, notes, elapsed, limit, program);
    }

    public int score() {
        return passed ? points : 0;
    }
}
