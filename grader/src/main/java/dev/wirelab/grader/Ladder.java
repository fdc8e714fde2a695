package dev.wirelab.grader;

import dev.wirelab.part3.TraceEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * The events of one scenario, kept to be shown as a ladder under a failure. Each is a part 3
 * {@link TraceEvent}, printed by {@link TraceEvent#ladder}, so a student reads the grader's
 * ladder exactly as the one {@code part3 client --trace} prints: time since the scenario started,
 * the arrow as the client sees it ({@code -->} towards the server, {@code <--} towards the client,
 * {@code !!} a fault or problem), the event and its detail. Thread-safe: a server's event loops and
 * the grader's own threads add to it.
 */
public final class Ladder {

    /** Most events kept: a runaway client must not fill the grader's memory. */
    public static final int MAX_EVENTS = 50_000;

    /** An event and its place in the order the events were added. */
    private record Entry(int index, TraceEvent event) {
    }

    private final long origin;
    private final List<Entry> entries = new ArrayList<>();
    private long dropped;

    public Ladder(long originNanos) {
        this.origin = originNanos;
    }

    /** Adds an event that happened at {@code System.nanoTime() == at}; returns its index. */
    public synchronized int add(long at, TraceEvent.Arrow arrow, String event, String detail) {
        if (entries.size() >= MAX_EVENTS) {
            dropped++;
            return entries.size() - 1;
        }
        entries.add(new Entry(entries.size(), new TraceEvent(at - origin, arrow, event, detail)));
        return entries.size() - 1;
    }

    public int add(TraceEvent.Arrow arrow, String event, String detail) {
        return add(System.nanoTime(), arrow, event, detail);
    }

    public synchronized int size() {
        return entries.size();
    }

    /**
     * The ladder around one event, as lines in time order: the {@code n} events that end
     * {@code after} events past the one added as {@code index} (events may be added out of order,
     * e.g. a program's exit once it is known, so the window is cut from the time-sorted list).
     */
    public synchronized List<String> window(int index, int after, int n) {
        if (entries.isEmpty()) {
            return List.of();
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(e -> e.event().tNanos())); // stable: equal times keep their order
        int at = sorted.size() - 1;
        for (int i = 0; i < sorted.size() && index < entries.size(); i++) {
            if (sorted.get(i).index() == Math.max(index, 0)) {
                at = i;
                break;
            }
        }
        int end = Math.min(sorted.size(), at + 1 + Math.max(0, after));
        int from = Math.max(0, end - n);
        List<String> out = new ArrayList<>();
        if (from > 0) {
            out.add("(" + from + " earlier " + (from == 1 ? "event" : "events") + " left out)");
        }
        out.addAll(TraceEvent.ladder(sorted.subList(from, end).stream().map(Entry::event).toList()).lines().toList());
        if (end < sorted.size()) {
            int later = sorted.size() - end;
            out.add("(" + later + " later " + (later == 1 ? "event" : "events") + " left out)");
        } else if (dropped > 0) {
            out.add("(" + dropped + (dropped == 1 ? " more event was" : " more events were") + " not recorded)");
        }
        return Collections.unmodifiableList(out);
    }

    /** The last {@code n} events, as lines. */
    public List<String> last(int n) {
        return window(Integer.MAX_VALUE, 0, n);
    }
}
