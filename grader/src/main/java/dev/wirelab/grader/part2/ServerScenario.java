package dev.wirelab.grader.part2;

import dev.wirelab.grader.Scenario;
import java.time.Duration;

/**
 * One scenario for a student's echo server: the values its command gets ({@code {delay}},
 * {@code {loss}}, {@code {corrupt}}) and what the grader, as the client, then checks.
 *
 * @param solo true when the check measures time, so it runs alone
 */
public record ServerScenario(String name, String description, double delay, double loss, double corrupt,
                             Duration limit, boolean solo, Probe probe) implements Scenario {

    /** What the grader does as a client, and checks; a failed check throws {@link Probe.Failed}. */
    @FunctionalInterface
    public interface Probe {
        void run(Exchange exchange) throws Exception;

        /** A check that failed; its message is the report's sentence. */
        final class Failed extends Exception {
            private static final long serialVersionUID = 1L;

            public Failed(String sentence) {
                super(sentence, null, false, false);
            }
        }
    }
}
