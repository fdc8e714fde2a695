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
