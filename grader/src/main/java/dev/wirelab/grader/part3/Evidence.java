package dev.wirelab.grader.part3;

import dev.wirelab.grader.StudentProgram;
import java.util.List;

/** What one scenario left behind: the messages, the server's log, and how the client ended. */
public record Evidence(ClientScenario scenario, List<byte[]> messages, ServerLog log, StudentProgram.Ended ended,
                       java.time.Duration limit) {
}
