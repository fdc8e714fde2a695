package dev.wirelab.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class CliTest {

    @Command(name = "sample")
    static class Sample implements Callable<Integer> {
        @Option(names = "--fail")
        String fail;

        @Option(names = "--crash")
        boolean crash;

        @Override
        public Integer call() {
            if (crash) {
                throw new IllegalStateException("boom", new java.io.IOException("disk on fire"));
            }
            if (fail != null) {
                throw new UserError(fail);
            }
            return Cli.OK;
        }
    }

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Cli.commandLine(new Sample());
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    @Test
    void successExitsZero() {
        assertEquals(Cli.OK, run());
    }

    @Test
    void aUserErrorIsOneLineAndExitsOne() {
        assertEquals(Cli.FAILED, run("--fail", "port 8080 is already in use"));
        assertEquals("error: port 8080 is already in use" + System.lineSeparator(), err.toString());
    }

    @Test
    void anUnexpectedExceptionIsOneLineWithItsCauseAndNoStackTrace() {
        assertEquals(Cli.FAILED, run("--crash"));
        String text = err.toString().strip();
        assertEquals("error: boom (disk on fire)", text);
        assertFalse(text.contains("\tat "));
    }

    @Test
    void anUnknownOptionIsAUsageErrorExitingTwo() {
        assertEquals(Cli.USAGE, run("--nope"));
        assertEquals("error: Unknown option: '--nope' (see: sample --help)" + System.lineSeparator(), err.toString());
    }
}
