package dev.wirelab.grader;

import java.time.Duration;

/** One graded situation: what an instructor writes down, and what a report row names. */
public interface Scenario {

    /** Short, lower-case, with dashes: what {@code --only} takes. */
    String name();

    /** One sentence in the student's terms: what happens and what a correct program does. */
    String description();

    /** How long the whole scenario may take, before {@code --time-scale}. */
    Duration limit();

    /** True when its check measures time: it then runs alone, not beside other scenarios. */
    boolean solo();

    /** Points for Gradescope; 1 unless the scenario says otherwise. */
    default int points() {
        return 1;
    }
}
