package dev.wirelab.part2;

import dev.wirelab.part2.fault.FaultCounters;

import java.util.Map;

/**
 * A snapshot of a {@link FaultProxy}'s counters since it started.
 *
 * @param connections clients accepted
 * @param active      client connections open right now
 * @param units       frames, lines or chunks forwarded through a faulty direction
 * @param refused     clients closed at once because {@code --max-connections} pairs were open
 * @param shed        pairs closed because a peer did not read while the proxy's queue budget was full
 * @param faults      faults applied to units, by kind (every kind present)
 */
public record FaultProxyStats(long connections, long active, long units, long refused, long shed,
                              Map<Fault.Kind, Long> faults) implements FaultTotals {

    /** What {@link #describe()}'s counters mean, for the help (a constant: picocli's footer needs one). */
    public static final String HELP = "Counters on Ctrl-C: connections accepted; units, the frames, lines or chunks that"
            + " passed a faulty direction; refused, clients over --max-connections; shed, pairs closed because a peer did"
            + " not read while the proxy's queue budget was full; faults: the faults applied, by kind (" + FaultTotals.KINDS
            + "), those that happened.";

    public FaultProxyStats {
        faults = FaultTotals.complete(faults);
    }

    public String describe() {
        return "connections=" + connections + " units=" + units + " refused=" + refused + " shed=" + shed
                + " faults: " + FaultCounters.describe(faults);
    }
}
