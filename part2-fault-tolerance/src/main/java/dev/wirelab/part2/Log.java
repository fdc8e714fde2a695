package dev.wirelab.part2;

import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;

/** Log lines for a terminal: a wall-clock time (to compare with a capture's times) and the line. */
final class Log {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private Log() {
    }

    static Consumer<String> to(PrintWriter out) {
        return line -> {
            synchronized (out) {
                out.println(LocalTime.now().format(TIME) + " " + line);
                out.flush();
            }
        };
    }
}
