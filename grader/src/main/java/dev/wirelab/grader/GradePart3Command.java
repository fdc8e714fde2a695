package dev.wirelab.grader;

import dev.wirelab.common.Cli;
import dev.wirelab.common.UserError;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code grade part3 --client CMD}: grades a student's resilient client. */
@Command(name = "part3", mixinStandardHelpOptions = true, description = "Grade a student's resilient client.")
public final class GradePart3Command implements Callable<Integer> {

    @Override
    public Integer call() {
        throw new UserError("grade part3 is not ready yet", Cli.FAILED);
    }
}
