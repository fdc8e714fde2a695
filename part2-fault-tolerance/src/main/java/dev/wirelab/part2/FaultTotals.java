package dev.wirelab.part2;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** Faults applied by kind, with the totals the earlier counters had names for. */
public interface FaultTotals {

    /**
     * The {@link Fault.Kind}s as counters name them, for help texts (a constant, so an annotation
     * may use it; CommandTest checks that the help names every kind).
     */
    String KINDS = "delay, drop, error, ack-drop, corrupt, duplicate, reset, stall, reorder, throttle, slice";

    /** Faults applied, by kind (every kind present). */
    Map<Fault.Kind, Long> faults();

    default long faults(Fault.Kind kind) {
        return faults().getOrDefault(kind, 0L);
    }

    /** Replies held back by a delay. */
    default long delayed() {
        return faults(Fault.Kind.DELAY);
    }

    /** Requests (or units) lost: answered with ERROR / Packet Loss, or not at all. */
    default long lost() {
        return faults(Fault.Kind.DROP) + faults(Fault.Kind.ERROR);
    }

    default long corrupted() {
        return faults(Fault.Kind.CORRUPT);
    }

    default long duplicated() {
        return faults(Fault.Kind.DUPLICATE);
    }

    /** Connections aborted with a TCP RST by the reset fault. */
    default long resets() {
        return faults(Fault.Kind.RESET);
    }

    /** An unmodifiable copy with every kind present (0 for the missing ones). */
    static Map<Fault.Kind, Long> complete(Map<Fault.Kind, Long> faults) {
        EnumMap<Fault.Kind, Long> all = new EnumMap<>(Fault.Kind.class);
        for (Fault.Kind k : Fault.Kind.values()) {
            all.put(k, faults.getOrDefault(k, 0L));
        }
        return Collections.unmodifiableMap(all);
    }
}
