package dev.wirelab.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class CliTest {

    @Command(name = "sample", mixinStandardHelpOptions = true,
            description = {"Sends TEXT to the server and prints what comes back, the way nc does,",
                    "and with --tls it checks the certificate in ~/.wirelab/tls/server.pem. Second sentence."})
    static class Sample implements Callable<Integer> {
        @Option(names = "--fail")
        String fail;

        @Option(names = "--crash")
        boolean crash;

        @Option(names = "--throw", paramLabel = "KIND")
        String kind;

        @Option(names = "--loss", paramLabel = "P", description = "Probability of losing a reply.")
        double loss;

        @Option(names = "--loss-mode", paramLabel = "MODE", description = "What a lost reply becomes.")
        String lossMode;

        enum Shape { ROUND, SQUARE }

        @Option(names = "--shape", paramLabel = "SHAPE")
        Shape shape;

        @Option(names = "--cert-dir", paramLabel = "DIR",
                description = "Where the certificate and key live, made on first start if missing (default: ~/.wirelab/tls).")
        String certDir;

        @Override
        public Integer call() throws Exception {
            if (crash) {
                throw new IllegalStateException("boom", new java.io.IOException("disk on fire"));
            }
            if (fail != null) {
                throw new UserError(fail);
            }
            if (kind != null) {
                switch (kind) {
                    case "argument" -> throw new IllegalArgumentException("port must be 0..65535, got 70000");
                    case "usage" -> throw new UserError("--window must be 1..4096, got 0", Cli.USAGE);
                    case "missing" -> throw new NoSuchFileException("capture.pcap");
                    case "denied" -> throw new UncheckedIOException(new AccessDeniedException("/root/tls"));
                    case "memory" -> throw new OutOfMemoryError("Java heap space");
                    default -> throw new AssertionError(kind);
                }
            }
            return Cli.OK;
        }
    }

    @Command(name = "part9", mixinStandardHelpOptions = true, subcommands = Sample.class,
            description = "A part with one command.")
    static class Parent implements Runnable {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw Cli.missingCommand(spec);
        }
    }

    private final StringWriter err = new StringWriter();
    private final StringWriter out = new StringWriter();

    private int run(Object command, String... args) {
        CommandLine cl = Cli.commandLine(command);
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(out, true));
        return Cli.execute(cl, args);
    }

    private int run(String... args) {
        return run(new Sample(), args);
    }

    private String errLine() {
        String text = err.toString();
        assertEquals(1, text.lines().count(), "one line: " + text);
        return text.strip();
    }

    @Test
    void successExitsZero() {
        assertEquals(Cli.OK, run());
        assertEquals(CommandLine.ExitCode.OK, Cli.OK);
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
    void anEnumOptionTakesItsValueInLowerCaseAsTheHelpShowsIt() {
        Sample sample = new Sample();
        assertEquals(Cli.OK, run(sample, "--shape", "square"));
        assertEquals(Sample.Shape.SQUARE, sample.shape);
    }

    @Test
    void anUnknownOptionIsAUsageErrorExitingTwo() {
        assertEquals(Cli.USAGE, run("--nope"));
        assertEquals("error: Unknown option: '--nope' (see: sample --help)" + System.lineSeparator(), err.toString());
    }

    @Test
    void aMistypedOptionGetsTheLikelyOneNamedAndItsValueIsNotCalledUnknown() {
        assertEquals(Cli.USAGE, run("--los", "0.5"));
        assertEquals("error: Unknown option: '--los'; did you mean --loss? (see: sample --help)", errLine());
    }

    @Test
    void aMistypedOptionWithAnEqualsValueAndATransposedLetterAreRecognisedToo() {
        assertEquals(Cli.USAGE, run("--lsos=0.5"));
        assertEquals("error: Unknown option: '--lsos=0.5'; did you mean --loss? (see: sample --help)", errLine());
    }

    @Test
    void theBeginningOfALongerOptionNamesIt() {
        assertEquals(Cli.USAGE, run("--cert", "x"));
        assertEquals("error: Unknown option: '--cert'; did you mean --cert-dir? (see: sample --help)", errLine());
    }

    @Test
    void aMistypedCommandGetsTheLikelyOneNamed() {
        assertEquals(Cli.USAGE, run(new Parent(), "sampel"));
        assertEquals("error: Unknown command: 'sampel'; did you mean sample? (see: part9 --help)", errLine());
    }

    @Test
    void aPartGivenNoCommandIsAUsageErrorNamingItsCommands() {
        assertEquals(Cli.USAGE, run(new Parent()));
        assertEquals("error: Missing command: one of sample (see: part9 --help)", errLine());
        assertEquals("", out.toString());
    }

    @Test
    void nearestNamesAreWithinOneOrTwoEditsAndNothingFarIsSuggested() {
        List<String> names = List.of("--loss", "--loss-mode", "--delay", "--duplicate");
        assertEquals(List.of("--loss"), Cli.closest("--los", names));
        assertEquals(List.of("--delay"), Cli.closest("--dealy", names));
        assertEquals(List.of("--loss-mode"), Cli.closest("--lossmode", names));
        assertEquals(List.of(), Cli.closest("--xyzzy", names));
        assertEquals(1, Cli.editDistance("ab", "ba"));
    }

    @Test
    void aLibraryRefusingAValueIsAUsageErrorWithWhereHelpIs() {
        assertEquals(Cli.USAGE, run("--throw", "argument"));
        assertEquals("error: port must be 0..65535, got 70000 (see: sample --help)", errLine());
    }

    @Test
    void aUserErrorWithTheUsageCodeIsPrintedAsWritten() {
        assertEquals(Cli.USAGE, run("--throw", "usage"));
        assertEquals("error: --window must be 1..4096, got 0", errLine());
    }

    @Test
    void aMissingFileSaysSoAndExitsOne() {
        assertEquals(Cli.FAILED, run("--throw", "missing"));
        assertEquals("error: no such file: capture.pcap", errLine());
    }

    @Test
    void anUncheckedIoExceptionIsDescribedByItsCause() {
        assertEquals(Cli.FAILED, run("--throw", "denied"));
        assertEquals("error: permission denied: /root/tls", errLine());
    }

    @Test
    void runningOutOfMemoryIsOneLineAndExitsOne() {
        assertEquals(Cli.FAILED, run("--throw", "memory"));
        assertTrue(errLine().startsWith("error: out of memory (Java heap space)"), err.toString());
    }

    @Test
    void helpWrapsAtSpacesOnlyWithinTheWidthAndKeepsPathsWhole() {
        assertEquals(Cli.OK, run("--help"));
        String help = out.toString();
        int width = HelpLayout.width(Cli.commandLine(new Sample()).getCommandSpec());
        for (String line : help.lines().toList()) {
            assertTrue(line.length() <= width, "over " + width + " columns: " + line);
        }
        String flat = help.replaceAll("\\s+", " ");
        assertTrue(flat.contains("(default: ~/.wirelab/tls)."), help);
        assertTrue(flat.contains("in ~/.wirelab/tls/server.pem."), help);
    }

    @Test
    void theCommandListShowsEachCommandsFirstWholeSentence() {
        assertEquals(Cli.OK, run(new Parent(), "--help"));
        String flat = out.toString().replaceAll("\\s+", " ");
        assertTrue(flat.contains("sample Sends TEXT to the server and prints what comes back, the way nc does, and with --tls"
                + " it checks the certificate in ~/.wirelab/tls/server.pem."), out.toString());
        assertFalse(flat.contains("Second sentence"), out.toString());
    }

    @Test
    void aLongLineContinuesUnderItsDescriptionColumnAndALongWordStaysWhole() {
        String row = "      --cert-dir=DIR     Where the certificate and key live, made on first start (default: ~/.wirelab/tls).";
        String wrapped = HelpLayout.wrap(row, 60, 0);
        List<String> lines = wrapped.lines().toList();
        assertTrue(lines.size() > 1, wrapped);
        int column = row.indexOf("Where");
        for (String line : lines.subList(1, lines.size())) {
            assertEquals(column + 2, line.length() - line.stripLeading().length(), wrapped);
        }
        assertTrue(wrapped.contains("~/.wirelab/tls)."), wrapped);
        assertEquals("x".repeat(70), HelpLayout.wrap("x".repeat(70), 60, 0));
        String usage = "Usage: part1 server [-hV] [--tls] [--cert-dir=DIR] [--duration=SECONDS] [--host=HOST] [--port=PORT]";
        List<String> synopsis = HelpLayout.wrap(usage, 60, "Usage: part1 server ".length()).lines().toList();
        assertTrue(synopsis.get(1).startsWith(" ".repeat("Usage: part1 server ".length()) + "["), synopsis.toString());
    }

    @Test
    void aDescriptionIsCutAtItsFirstSentenceNotAtAnAbbreviationOrNumber() {
        var spec = CommandLine.Model.CommandSpec.create();
        spec.usageMessage().description("The section 3.1 server, e.g. for nc:", "prints every chunk.%nWith --tls it speaks TLS.");
        assertEquals("The section 3.1 server, e.g. for nc: prints every chunk.", HelpLayout.summary(spec.usageMessage()));
    }
}
