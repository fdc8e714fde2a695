package dev.wirelab.part2;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;

/** Log lines for a terminal: a wall-clock time (to compare with a capture's times) and the line. */
final class Log {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
    /**
     * Resolved now, not at the first log line: resolving the time zone reads the tz database, and
     * if that first happens while the process is out of file descriptors, the failed class
     * initialisation makes every later log call throw NoClassDefFoundError.
     */
    private static final Clock CLOCK = Clock.systemDefaultZone();

    static {
        LocalTime.now(CLOCK).format(TIME); // loads the formatting and zone classes too
    }

    private Log() {
    }

    static Consumer<String> to(PrintWriter out) {
        return line -> {
            String time;
            try {
                time = LocalTime.now(CLOCK).format(TIME);
            } catch (Throwable e) {
                time = "--:--:--.---"; // the line matters more than its time
            }
            synchronized (out) {
                out.println(time + " " + line);
                out.flush();
            }
        };
    }
}
