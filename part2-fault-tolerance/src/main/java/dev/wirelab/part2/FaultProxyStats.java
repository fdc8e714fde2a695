package dev.wirelab.part2;

/**
 * A snapshot of a {@link FaultProxy}'s counters since it started.
 *
 * @param connections clients accepted
 * @param active      client connections open right now
 * @param units       frames, lines or chunks forwarded through a faulty direction
 * @param delayed     units held back by delay or jitter
 * @param lost        units lost (replaced or dropped)
 * @param corrupted   units with one byte flipped
 * @param duplicated  units sent twice
 * @param resets      connections aborted with a TCP RST (both sides)
 * @param refused     clients closed at once because {@code --max-connections} pairs were open
 * @param shed        pairs closed because a peer did not read while the proxy's queue budget was full
 */
public record FaultProxyStats(long connections, long active, long units, long delayed, long lost,
                              long corrupted, long duplicated, long resets,
                              long refused, long shed) {

    public String describe() {
        return "connections=" + connections + " units=" + units + " delayed=" + delayed + " lost=" + lost
                + " corrupted=" + corrupted + " duplicated=" + duplicated + " resets=" + resets
                + " refused=" + refused + " shed=" + shed;
    }
}
