package dev.wirelab.grader.part3;

import dev.wirelab.grader.Scenario;
import dev.wirelab.part2.FaultConfig;
import java.time.Duration;

/**
 * One scenario for a student's resilient client: the project's echo server with a fault script
 * (exact events) and/or random fault rates (seeded), the number of messages, and any check beyond
 * the ones every scenario makes (each message delivered exactly once, intact, in order; exit 0).
 *
 * @param script the fault script, one rule per line (see part 2's scripted faults); null for none
 * @param faults random fault rates, drawn from the run's seed
 * @param extra  a further check, or null
 */
public record ClientScenario(String name, String description, String script, FaultConfig faults, int messages,
                             Duration limit, boolean solo, Extra extra) implements Scenario {

    /** A check of its own: null when it passes, else the sentence. */
    @FunctionalInterface
    public interface Extra {
        String check(Evidence evidence);
    }

    public ClientScenario {
        if (messages < 1) {
            throw new IllegalArgumentException("a scenario needs at least one message");
        }
        if (faults == null) {
            faults = FaultConfig.none();
        }
    }
}
