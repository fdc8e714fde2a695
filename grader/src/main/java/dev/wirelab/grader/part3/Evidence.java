package dev.wirelab.grader.part3;

import dev.wirelab.grader.StudentProgram;
import java.time.Duration;
import java.util.List;

/**
 * What one scenario left behind: the messages written to the client's stdin, the server's log,
 * and how the client ended.
 */
public record Evidence(ClientScenario scenario, List<byte[]> messages, ServerLog log, StudentProgram.Ended ended,
                       Duration limit) {

    public Evidence {
        messages = List.copyOf(messages);
    }
}
