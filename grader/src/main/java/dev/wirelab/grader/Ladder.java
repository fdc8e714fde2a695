package dev.wirelab.grader;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The events of one scenario as a ladder diagram, one line per event in the format of
 * {@code part3 client --trace}: time since the scenario started, an arrow ({@code -->} towards the
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

    /** The {@code n} events up to and including {@code index}, as lines. */
    public synchronized List<String> before(int index, int n) {
        if (events.isEmpty()) {
            return List.of();
        }
        int end = Math.min(Math.max(index, 0), events.size() - 1) + 1;
        List<String> out = new ArrayList<>();
        int from = Math.max(0, end - n);
        if (from > 0) {
            out.add("(" + from + " earlier events left out)");
        }
        for (Event e : events.subList(from, end)) {
            out.add(e.line());
        }
        if (dropped > 0 && end == events.size()) {
            out.add("(" + dropped + " more events were not recorded)");
        }
        return Collections.unmodifiableList(out);
    }

    /** The last {@code n} events, as lines. */
    public List<String> last(int n) {
        return before(Integer.MAX_VALUE, n);
    }

    /** One ladder line, exactly as part 3's trace prints it. */
    public static String format(long tNanos, Arrow arrow, String event, String detail) {
        return String.format(Locale.ROOT, "%10.3f ms  %s %-10s %s", tNanos / 1e6, arrow.text, event, detail);
    }
}
