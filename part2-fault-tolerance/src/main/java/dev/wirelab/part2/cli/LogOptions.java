package dev.wirelab.part2.cli;

import dev.wirelab.common.UserError;
import dev.wirelab.part2.server.Log;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** {@code --quiet} and {@code --log-file}, shared by {@code echo-server} and {@code proxy}. */
final class LogOptions {

    @Option(names = "--quiet", description = "Log nothing; the banner and the counters on Ctrl-C are still printed.")
    boolean quiet;

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "Append the log to FILE instead of printing it (the banner and counters still go to the terminal).")
    Path logFile;

    /** The log to serve with, or null with {@code --quiet}; lines go to {@code terminal} unless a file is named. */
    Log open(PrintWriter terminal) {
        if (quiet && logFile != null) {
            throw new UserError("--quiet and --log-file exclude each other: pick one", CommandLine.ExitCode.USAGE);
        }
        if (quiet) {
            return null;
        }
        if (logFile == null) {
            return new Log(terminal);
        }
        try {
            return new Log(new PrintWriter(new OutputStreamWriter(new FileOutputStream(logFile.toFile(), true),
                    StandardCharsets.UTF_8), false));
        } catch (IOException e) {
            throw new UserError("cannot write the log to " + logFile + ": " + e.getMessage());
        }
    }
}
