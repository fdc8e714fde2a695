package dev.wirelab.part2.fault;

import dev.wirelab.part2.Fault;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** How many faults of each kind were applied; safe from any thread. */
public final class FaultCounters {

    private final EnumMap<Fault.Kind, LongAdder> counts = new EnumMap<>(Fault.Kind.class);

    public FaultCounters() {
        for (Fault.Kind k : Fault.Kind.values()) {
            counts.put(k, new LongAdder());
        }
    }

    public void increment(Fault.Kind kind) {
        counts.get(kind).increment();
    }

    public long get(Fault.Kind kind) {
        return counts.get(kind).sum();
    }

    /** A snapshot, every kind present. */
    public Map<Fault.Kind, Long> snapshot() {
        EnumMap<Fault.Kind, Long> m = new EnumMap<>(Fault.Kind.class);
        counts.forEach((k, v) -> m.put(k, v.sum()));
        return Collections.unmodifiableMap(m);
    }

    /** {@code error=2 corrupt=1}, only the kinds that happened; {@code none} if none did. */
    public static String describe(Map<Fault.Kind, Long> counts) {
        StringBuilder b = new StringBuilder();
        counts.forEach((k, v) -> {
            if (v > 0) {
                b.append(b.isEmpty() ? "" : " ").append(k.action()).append('=').append(v);
            }
        });
        return b.isEmpty() ? "none" : b.toString();
    }
}
