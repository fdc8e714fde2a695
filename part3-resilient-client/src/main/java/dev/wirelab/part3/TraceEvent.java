package dev.wirelab.part3;

import dev.wirelab.common.Bytes;
import dev.wirelab.common.Frame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One line of the ladder diagram that {@code part3 client --trace} prints, and that anything else
 * watching a wire-format exchange (the grader, from the server's side) can print in the same
 * format:
 *
 * <pre>
 *     27.502 ms  --&gt; DATA 1     "Test1" (5 bytes), timer 100.0 ms
 *     33.653 ms  &lt;-- ERROR 1    "Packet Loss" -&gt; resend
 *     40.752 ms  !!  corrupt    reply failed its check: ...
 *     41.175 ms      connect    127.0.0.1:43527
 * </pre>
 *
 * <p>The columns: time since the start in milliseconds, the {@link Arrow} (always from the
 * client's point of view: {@code -->} goes to the server), the event in a 10-character column, the
 * detail. {@link #line()} makes every peer-supplied byte safe for a terminal only where this class
 * builds the text itself ({@link #frame}); text passed in as {@code event} or {@code detail} is
 * printed as given, so escape it first (with {@link #preview} or {@link Bytes#escape}).
 *
 * @param tNanos nanoseconds since the exchange started
 * @param event  short name, e.g. {@code "DATA 3"}, {@code "timeout"}
 * @param detail the rest of the line; may be empty
 */
public record TraceEvent(long tNanos, Arrow arrow, String event, String detail) {

    /** The direction column. */
    public enum Arrow {
        /** Client to server. */
        TO_SERVER("-->"),
        /** Server to client. */
        TO_CLIENT("<--"),
        /** Trouble noticed: a timeout, a corrupt reply, a lost connection, a fault injected. */
        PROBLEM("!! "),
        /** Neither: connecting, waiting. */
        NOTE("   ");

        private final String mark;

        Arrow(String mark) {
            this.mark = mark;
        }

        /** The three characters printed in the direction column. */
        public String mark() {
            return mark;
        }
    }

    /** Bytes of a payload {@link #preview} shows before it cuts with "...". */
    public static final int PREVIEW_BYTES = 24;

    public TraceEvent {
        Objects.requireNonNull(arrow, "arrow");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(detail, "detail");
    }

    /**
     * A frame seen going one way: {@code DATA 3} with {@code "Test3" (5 bytes)}, {@code ACK 0},
     * {@code HELLO} with its client id, {@code ERROR 5} with its reason; {@code more} (may be empty)
     * is appended after a comma, e.g. {@code "retransmission 1 after timeout"}.
     */
    public static TraceEvent frame(long tNanos, Arrow arrow, Frame f, String more) {
        String name = switch (f.type()) {
            case HELLO -> "HELLO";
            case DATA, ACK, ERROR -> f.type() + " " + f.seq();
        };
        String detail = switch (f.type()) {
            case HELLO -> "session id \"" + Bytes.escape(f.payload()) + "\"";
            case ERROR -> preview(f.payload());
            // An ACK 0 (for HELLO) carries nothing worth showing; a DATA always shows its payload.
            case DATA -> preview(f.payload()) + " (" + f.payload().length + " bytes)";
            case ACK -> f.payload().length == 0 ? "" : preview(f.payload()) + " (" + f.payload().length + " bytes)";
        };
        if (!more.isEmpty()) {
            detail = detail.isEmpty() ? more : detail + ", " + more;
        }
        return new TraceEvent(tNanos, arrow, name, detail);
    }

    /** The line as {@code --trace} prints it, without a line separator. */
    public String line() {
        String s = String.format(Locale.ROOT, "%10.3f ms  %s %-10s %s", tNanos / 1e6, arrow.mark(), event, detail);
        return detail.isEmpty() ? s.stripTrailing() : s;
    }

    /** The events as a ladder: one {@link #line()} each, each ended by a newline. */
    public static String ladder(List<TraceEvent> events) {
        StringBuilder b = new StringBuilder();
        for (TraceEvent e : events) {
            b.append(e.line()).append('\n');
        }
        return b.toString();
    }

    /** A payload quoted and escaped for one terminal line, cut after {@link #PREVIEW_BYTES} bytes with "...". */
    public static String preview(byte[] payload) {
        int n = Math.min(payload.length, PREVIEW_BYTES);
        String s = "\"" + Bytes.escape(payload, 0, n) + "\"";
        return n < payload.length ? s + "..." : s;
    }

    /** Text from the user or the server, escaped for one terminal line. */
    public static String text(String s) {
        return Bytes.escape(s.getBytes(StandardCharsets.UTF_8));
    }
}
