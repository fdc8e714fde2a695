package dev.wirelab.grader.part3;

import dev.wirelab.common.Bytes;
import dev.wirelab.grader.Ladder;
import java.util.ArrayList;
import java.util.List;

/**
 * What the project's server saw and did in one scenario, in order: the grader's evidence. Every
 * event also goes into the ladder, in the format of {@code part3 client --trace}, seen from the
 * server: {@code -->} what the client sent, {@code <--} what the server answered, {@code !!} the
 * faults. Thread-safe: the server's event loop adds, the grader reads once the run is over.
 */
public final class ServerLog {

    /** One thing the server saw or did; {@code ladderIndex} is its line in the ladder. */
    public sealed interface Event {
        long at();

        long connection();

        int ladderIndex();
    }

    public record Connected(long at, long connection, String remote, int ladderIndex) implements Event {
    }

    public record Closed(long at, long connection, String reason, int ladderIndex) implements Event {
    }

    public record Hello(long at, long connection, String clientId, boolean accepted, int ladderIndex) implements Event {
    }

    /** A DATA frame arrived; {@code arrival} counts its copies from this client (1 = the first). */
    public record Data(long at, long connection, String clientId, long seq, int arrival, byte[] payload, int ladderIndex)
            implements Event {
    }

    /** The server handed a message to its application: what "delivered" means in every check. */
    public record Delivered(long at, long connection, String clientId, long seq, byte[] payload, int ladderIndex)
            implements Event {
    }

    public record Suppressed(long at, long connection, String clientId, long seq, int ladderIndex) implements Event {
    }

    /** @param rule the script line that chose it, 0 for the random rates */
    public record Fault(long at, long connection, String action, long seq, int rule, int ladderIndex) implements Event {
    }

    /** @param type {@code ACK}, {@code ERROR}, ... */
    public record Reply(long at, long connection, String type, long seq, int bytes, int copies, boolean corrupted,
                        int ladderIndex) implements Event {
    }

    public record Reset(long at, long connection, int ladderIndex) implements Event {
    }

    private final Ladder ladder;
    private final List<Event> events = new ArrayList<>();

    public ServerLog(Ladder ladder) {
        this.ladder = ladder;
    }

    public Ladder ladder() {
        return ladder;
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    public synchronized <E extends Event> List<E> all(Class<E> type) {
        List<E> out = new ArrayList<>();
        for (Event e : events) {
            if (type.isInstance(e)) {
                out.add(type.cast(e));
            }
        }
        return out;
    }

    private synchronized void add(Event e) {
        if (events.size() < Ladder.MAX_EVENTS) {
            events.add(e);
        }
    }

    // ---- what the server reports (the adapter from part 2's events calls these) -------------

    public void connected(long at, long connection, String remote) {
        add(new Connected(at, connection, remote,
                ladder.add(at, Ladder.Arrow.NOTE, "connect", "#" + connection + " from " + text(remote))));
    }

    public void closed(long at, long connection, String reason) {
        add(new Closed(at, connection, reason, ladder.add(at, Ladder.Arrow.NOTE, "closed", "#" + connection + " " + text(reason))));
    }

    public void hello(long at, long connection, String clientId, boolean accepted) {
        add(new Hello(at, connection, clientId, accepted, ladder.add(at, Ladder.Arrow.TO_SERVER, "HELLO",
                "#" + connection + " session id \"" + text(clientId) + "\"" + (accepted ? "" : ", not taken"))));
    }

    public void data(long at, long connection, String clientId, long seq, int arrival, byte[] payload) {
        add(new Data(at, connection, clientId, seq, arrival, payload.clone(), ladder.add(at, Ladder.Arrow.TO_SERVER, "DATA " + seq,
                "#" + connection + " " + preview(payload) + " (" + payload.length + " bytes)"
                        + (arrival > 1 ? ", copy " + arrival : ""))));
    }

    public void delivered(long at, long connection, String clientId, long seq, byte[] payload) {
        add(new Delivered(at, connection, clientId, seq, payload.clone(),
                ladder.add(at, Ladder.Arrow.NOTE, "delivered", "DATA " + seq + " handed to the server's application")));
    }

    public void suppressed(long at, long connection, String clientId, long seq) {
        add(new Suppressed(at, connection, clientId, seq, ladder.add(at, Ladder.Arrow.NOTE, "duplicate",
                "DATA " + seq + " was delivered before: acknowledged again, not delivered again")));
    }

    public void fault(long at, long connection, String action, long seq, int rule, String ruleText) {
        String by = rule > 0 ? "script line " + rule + (ruleText == null ? "" : " '" + ruleText + "'") : "random rate";
        add(new Fault(at, connection, action, seq, rule, ladder.add(at, Ladder.Arrow.PROBLEM, action,
                (seq > 0 ? "DATA " + seq + ": " : "") + meaning(action) + " (" + by + ")")));
    }

    public void reply(long at, long connection, String type, long seq, int bytes, int copies, boolean corrupted) {
        add(new Reply(at, connection, type, seq, bytes, copies, corrupted, ladder.add(at, Ladder.Arrow.TO_CLIENT, type + " " + seq,
                "#" + connection + " " + bytes + " bytes" + (corrupted ? ", one byte flipped" : "") + (copies > 1 ? ", sent " + copies + " times" : ""))));
    }

    public void reset(long at, long connection) {
        add(new Reset(at, connection, ladder.add(at, Ladder.Arrow.PROBLEM, "reset", "#" + connection + " aborted with a TCP RST")));
    }

    /** What a fault does, in the student's words. */
    static String meaning(String action) {
        return switch (action.split(" ")[0]) {
            case "drop" -> "lost, not delivered, no reply";
            case "error" -> "not delivered, answered with ERROR";
            case "ack-drop" -> "delivered, but its reply is lost";
            case "corrupt" -> "a byte of the reply is flipped (" + action + ")";
            case "duplicate" -> "the reply is sent twice";
            case "reset" -> "the connection is reset instead of a reply";
            case "delay" -> "the reply is held back (" + action + ")";
            case "stall" -> "nothing is sent on the connection for a while (" + action + ")";
            case "reorder" -> "the reply goes out after the next one";
            default -> action;
        };
    }

    static String text(String s) {
        return Bytes.escape(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static String preview(byte[] payload) {
        int n = Math.min(payload.length, 24);
        return "\"" + Bytes.escape(payload, 0, n) + "\"" + (n < payload.length ? "..." : "");
    }
}
