package dev.wirelab.grader;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The events of one scenario as a ladder diagram, one line per event in the format of
 * {@code part3 client --trace} (part 3's TraceEvent; {@link #format} is the one place that
 * knows it): time since the scenario started, an arrow ({@code -->} towards the
 * server, {@code <--} towards the client, {@code !!} a fault or problem), the event and its
 * detail. Thread-safe: a server's event loops and the grader's own threads add to it.
 */
public final class Ladder {

    /** Which way an event goes. */
    public enum Arrow {
        TO_SERVER("-->"), TO_CLIENT("<--"), PROBLEM("!! "), NOTE("   ");

        private final String text;

        Arrow(String text) {
            this.text = text;
        }
    }

    /** One event; {@code index} is its place in the ladder. */
    public record Event(int index, long t, Arrow arrow, String event, String detail) {
        public String line() {
            return format(t, arrow, event, detail);
        }
    }

    /** Most events kept: a runaway client must not fill the grader's memory. */
    public static final int MAX_EVENTS = 50_000;

    private final long origin;
    private final List<Event> events = new ArrayList<>();
    private long dropped;

    public Ladder(long originNanos) {
        this.origin = originNanos;
    }

    /** Adds an event that happened at {@code System.nanoTime() == at}; returns its index. */
    public synchronized int add(long at, Arrow arrow, String event, String detail) {
        if (events.size() >= MAX_EVENTS) {
            dropped++;
            return events.size() - 1;
        }
        events.add(new Event(events.size(), at - origin, arrow, event, detail));
        return events.size() - 1;
    }

    public int add(Arrow arrow, String event, String detail) {
        return add(System.nanoTime(), arrow, event, detail);
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    public synchronized int size() {
        return events.size();
    }

    /**
     * The ladder around one event, as lines in time order: the {@code n} events that end
     * {@code after} events past the one added as {@code index} (events may be added out of order,
     * e.g. a program's exit once it is known, so the window is cut from the time-sorted list).
     */
    public synchronized List<String> window(int index, int after, int n) {
        if (events.isEmpty()) {
            return List.of();
        }
        List<Event> sorted = new ArrayList<>(events);
        sorted.sort(java.util.Comparator.comparingLong(Event::t)); // stable: equal times keep their order
        int at = sorted.size() - 1;
        for (int i = 0; i < sorted.size() && index < events.size(); i++) {
            if (sorted.get(i).index() == Math.max(index, 0)) {
                at = i;
                break;
            }
        }
        int end = Math.min(sorted.size(), at + 1 + Math.max(0, after));
        int from = Math.max(0, end - n);
        List<String> out = new ArrayList<>();
        if (from > 0) {
            out.add("(" + from + " earlier events left out)");
        }
        for (Event e : sorted.subList(from, end)) {
            out.add(e.line());
        }
        if (end < sorted.size()) {
            out.add("(" + (sorted.size() - end) + " later events left out)");
        } else if (dropped > 0) {
            out.add("(" + dropped + " more events were not recorded)");
        }
        return Collections.unmodifiableList(out);
    }

    /** The last {@code n} events, as lines. */
    public List<String> last(int n) {
        return window(Integer.MAX_VALUE, 0, n);
    }

    /** One ladder line, exactly as part 3's trace prints it. */
    public static String format(long tNanos, Arrow arrow, String event, String detail) {
        String line = String.format(Locale.ROOT, "%10.3f ms  %s %-10s %s", tNanos / 1e6, arrow.text, event, detail);
        return detail.isEmpty() ? line.stripTrailing() : line;
    }
}
