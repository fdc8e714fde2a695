package dev.wirelab.grader;

import java.time.Duration;
import java.util.List;

/**
 * One grading run, for the report files.
 *
 * @param part    {@code part2} or {@code part3}
 * @param command the student's command as given (with its placeholders)
 * @param elapsed wall time of the whole run: with {@code --jobs} above 1 scenarios overlap, so it
 *                is less than the sum of their times
 */
public record Run(String part, String command, long seed, double timeScale, List<Result> results, Duration elapsed) {

    public Run {
        results = List.copyOf(results);
    }

    public int passed() {
        return (int) results.stream().filter(Result::passed).count();
    }

    public int score() {
        return results.stream().mapToInt(Result::score).sum();
    }

    public int maxScore() {
        return results.stream().mapToInt(Result::points).sum();
    }

    public boolean allPassed() {
        return passed() == results.size();
    }

    /** "3 of 4 scenarios passed", "1 of 1 scenario passed". */
    public String tally() {
        return passed() + " of " + results().size() + (results().size() == 1 ? " scenario" : " scenarios") + " passed";
    }
}
