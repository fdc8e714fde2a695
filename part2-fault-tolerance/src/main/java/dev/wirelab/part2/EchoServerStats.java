package dev.wirelab.part2;

/**
 * A snapshot of an {@link EchoServer}'s counters since it started.
 *
 * @param connections          connections accepted
 * @param active               connections open right now
 * @param messages             messages received: lines (line mode) plus DATA frames (frame mode)
 * @param lines                of those, lines; they have no sequence number, so are never "delivered"
 * @param delivered            DATA messages handed to the handler (first copy of each (client, seq))
 * @param duplicatesSuppressed retransmitted DATA acknowledged again but not delivered again
 * @param delayed              replies held back by delay or jitter
 * @param lost                 replies lost (replaced or dropped)
 * @param corrupted            replies with one byte flipped
 * @param duplicated           replies sent twice
 * @param resets               connections aborted with a TCP RST by the reset fault
 * @param rejected             connections closed for bad input (invalid frame, over-long line, idle)
 * @param refused              connections closed at once because {@code --max-connections} were open
 */
public record EchoServerStats(long connections, long active, long messages, long lines, long delivered,
                              long duplicatesSuppressed, long delayed, long lost, long corrupted,
                              long duplicated, long resets, long rejected, long refused) {

    /** The counters as one line, e.g. for Ctrl-C. */
    public String describe() {
        return "connections=" + connections + " messages=" + messages + " lines=" + lines + " data=" + (messages - lines)
                + " delivered=" + delivered
                + " duplicates-suppressed=" + duplicatesSuppressed + " delayed=" + delayed + " lost=" + lost
                + " corrupted=" + corrupted + " duplicated=" + duplicated + " resets=" + resets
                + " rejected=" + rejected + " refused=" + refused;
    }
}
