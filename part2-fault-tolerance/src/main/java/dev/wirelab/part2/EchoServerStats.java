package dev.wirelab.part2;

import dev.wirelab.part2.fault.FaultCounters;

import java.util.Map;

/**
 * A snapshot of an {@link EchoServer}'s counters since it started.
 *
 * @param connections          connections accepted
 * @param active               connections open right now
 * @param messages             messages received: lines (line mode) plus DATA frames (frame mode)
 * @param lines                of those, lines; they have no sequence number, so are never "delivered"
 * @param delivered            DATA messages handed to the handler (first copy of each (client, seq))
 * @param duplicatesSuppressed retransmitted DATA acknowledged again but not delivered again
 * @param rejected             connections closed for bad input (invalid frame, over-long line, idle)
 * @param refused              connections closed at once because {@code --max-connections} were open
 * @param faults               faults applied, by kind (every kind present)
 */
public record EchoServerStats(long connections, long active, long messages, long lines, long delivered,
                              long duplicatesSuppressed, long rejected, long refused, Map<Fault.Kind, Long> faults) implements FaultTotals {

    /** What {@link #describe()}'s counters mean, for the help (a constant: picocli's footer needs one). */
    public static final String HELP = "Counters on Ctrl-C: connections accepted; messages = lines + data (DATA frames"
            + " received); delivered and duplicates-suppressed count DATA frames only (a line has no seq, so it is never"
            + " 'delivered'); rejected counts connections closed for bad input or idleness; refused, connections over"
            + " --max-connections; faults: the faults applied, by kind (" + FaultTotals.KINDS + "), those that happened,"
            + " one per reply changed: a HELLO's ACK is a reply too (with --delay, each HELLO adds one delay to the count).";

    public EchoServerStats {
        faults = FaultTotals.complete(faults);
    }

    /** The counters as one line, e.g. for Ctrl-C; faults by kind, those that happened. */
    public String describe() {
        return "connections=" + connections + " messages=" + messages + " lines=" + lines + " data=" + (messages - lines)
                + " delivered=" + delivered + " duplicates-suppressed=" + duplicatesSuppressed
                + " rejected=" + rejected + " refused=" + refused + " faults: " + FaultCounters.describe(faults);
    }
}
