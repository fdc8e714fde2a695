package dev.wirelab.grader.part3;

import dev.wirelab.grader.Durations;
import dev.wirelab.part2.Fault;
import dev.wirelab.part3.TraceEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks every part 3 scenario makes, at the server: each message delivered exactly once,
 * with its payload, as its seq (the i-th line of stdin is seq i), and the client's exit code;
 * then the scenario's own check. The first problem found becomes the report's sentence, in the
 * student's terms, with the ladder line it points at.
 */
final class ClientChecks {

    /**
     * Null problem: passed. {@code at} is the ladder line the problem points at; the report shows
     * the events before it and {@code after} events after it (what the client did next).
     */
    record Verdict(String problem, int at, int after) {
        static final Verdict PASS = new Verdict(null, -1, 0);

        Verdict(String problem, int at) {
            this(problem, at, 0);
        }

        boolean passed() {
            return problem == null;
        }
    }

    private static final String LATE = "a reply can come late: when none comes in time, send the message again, and ignore"
            + " the late ACK when it comes";

    /** Ladder lines shown after the one a problem points at: what the client did next. */
    static final int AFTER = 3;

    private final Evidence e;
    private final List<ServerLog.Event> events;
    private final List<byte[]> messages;

    private ClientChecks(Evidence e) {
        this.e = e;
        this.events = e.log().events();
        this.messages = e.messages();
    }

    static Verdict check(Evidence e) {
        return new ClientChecks(e).verdict();
    }

    private Verdict verdict() {
        int end = e.log().ladder().size() - 1;
        List<ServerLog.Connected> connected = e.log().all(ServerLog.Connected.class);
        if (connected.isEmpty()) {
            return new Verdict("your client never connected to the server" + exitClause("; it"), end);
        }
        List<ServerLog.Line> lines = e.log().all(ServerLog.Line.class);
        if (!lines.isEmpty()) {
            ServerLog.Line l = lines.get(0);
            return new Verdict("your client sent a line of text, " + TraceEvent.preview(l.line()) + ", not a frame: a wire-format"
                    + " connection starts with the magic bytes 57 4c (\"WL\") and the version 01 (docs/wire-format.md)", l.ladderIndex());
        }
        List<ServerLog.Delivered> delivered = e.log().all(ServerLog.Delivered.class);
        List<List<ServerLog.Delivered>> byMessage = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            byMessage.add(new ArrayList<>());
        }
        for (ServerLog.Delivered d : delivered) {
            int m = messageOf(d.payload());
            if (m < 0) {
                return new Verdict(unknownPayload(d), d.ladderIndex());
            }
            byMessage.get(m).add(d);
        }
        for (int m = 0; m < messages.size(); m++) {
            List<ServerLog.Delivered> ds = byMessage.get(m);
            if (ds.size() > 1) {
                return new Verdict(twice(m + 1, ds.get(0), ds.get(1)), ds.get(1).ladderIndex());
            }
        }
        for (int m = 0; m < messages.size(); m++) {
            List<ServerLog.Delivered> ds = byMessage.get(m);
            if (ds.size() == 1 && ds.get(0).seq() != m + 1) {
                return new Verdict("message " + (m + 1) + " was delivered as seq " + ds.get(0).seq() + ": line i of stdin must be"
                        + " sent as seq i, from 1 (the scenarios' faults name messages by their seq)", ds.get(0).ladderIndex());
            }
        }
        for (int m = 0; m < messages.size(); m++) {
            if (byMessage.get(m).isEmpty()) {
                return missing(m + 1);
            }
        }
        if (e.ended().timedOut()) {
            return new Verdict("every message was delivered, but your client was still running at the " + Durations.limit(e.limit())
                    + " time limit and was killed: it must exit once every message is acknowledged (does it wait for more"
                    + " input after stdin ends, or for a reply that never comes?)", end);
        }
        if (e.ended().exitCode() != 0) {
            return new Verdict("every message was delivered, but your client exited with code " + e.ended().code()
                    + ": exit 0 once every message is acknowledged", end);
        }
        if (e.scenario().extra() != null) {
            String p = e.scenario().extra().check(e);
            if (p != null) {
                return new Verdict(p, end);
            }
        }
        return Verdict.PASS;
    }

    private int messageOf(byte[] payload) {
        for (int i = 0; i < messages.size(); i++) {
            if (Arrays.equals(messages.get(i), payload)) {
                return i;
            }
        }
        return -1;
    }

    private String unknownPayload(ServerLog.Delivered d) {
        String s = "the server was given DATA " + d.seq() + " with the payload " + TraceEvent.preview(d.payload())
                + ", which is none of your messages";
        if (d.seq() >= 1 && d.seq() <= messages.size()) {
            byte[] want = messages.get((int) d.seq() - 1);
            byte[] got = d.payload();
            if (got.length > want.length && Arrays.equals(got, 0, want.length, want, 0, want.length)
                    && (got[got.length - 1] == '\n' || got[got.length - 1] == '\r')) {
                return s + ": it is message " + d.seq() + " with its line ending; a message is the line without its newline";
            }
            return s + " (message " + d.seq() + " is " + TraceEvent.preview(want) + "): send each line of stdin as it is";
        }
        return s;
    }

    private String twice(int m, ServerLog.Delivered first, ServerLog.Delivered second) {
        String s = "message " + m + " was delivered twice: your client sent it again";
        boolean acked = events.stream().anyMatch(ev -> ev instanceof ServerLog.Reply r && r.type().equals("ACK")
                && r.seq() == first.seq() && r.at() > first.at() && r.at() < second.at());
        String after = acked ? " after the server had acknowledged it" : "";
        if (first.seq() != second.seq()) {
            return s + " as seq " + second.seq() + after + " (it was delivered as seq " + first.seq() + "): a retransmission keeps"
                    + " its message's seq, or the server cannot tell it from a new message";
        }
        if (!named(second.connection())) {
            return s + " on a new connection without HELLO" + after + ": only a HELLO with the same session id lets the server"
                    + " recognise a message it already has after a reconnect";
        }
        return s + " on a new connection under a new session id (\"" + TraceEvent.text(first.clientId()) + "\", then \""
                + TraceEvent.text(second.clientId()) + "\")" + after + ": say HELLO with the same session id on every connection"
                + " of one run, so the server knows which messages it already has";
    }

    /** True when the connection's HELLO was taken: it runs under a session id. */
    private boolean named(long connection) {
        return events.stream().anyMatch(ev -> ev instanceof ServerLog.Hello h && h.connection() == connection && h.accepted()
                && !h.clientId().isEmpty());
    }

    private Verdict missing(int m) {
        List<ServerLog.Data> copies = new ArrayList<>();
        for (ServerLog.Event ev : events) {
            if (ev instanceof ServerLog.Data d && d.seq() == m) {
                copies.add(d);
            }
        }
        String head = "message " + m + " was never delivered: ";
        if (copies.isEmpty()) {
            ServerLog.Fault lastFault = null;
            for (ServerLog.Event ev : events) {
                if (ev instanceof ServerLog.Fault f && f.ladderIndex() >= 0) {
                    lastFault = f;
                }
            }
            String invalid = invalidFrame();
            String gaveUp = gaveUpOn(m - 1);
            if (gaveUp != null) {
                return new Verdict(head + "your client never sent it; " + gaveUp + exitClause(", and your client")
                        + ": a reply can be late without being lost; double the timeout after each one (exponential backoff),"
                        + " so that a late reply still finds your client waiting", lastFault == null ? e.log().ladder().size() - 1
                        : lastFault.ladderIndex(), AFTER);
            }
            if (lastFault == null) {
                return new Verdict(head + "your client never sent it" + invalid + exitClause(", and your client"), e.log().ladder().size() - 1);
            }
            return new Verdict(head + "your client never sent it; it stopped after " + faultStory(lastFault) + invalid
                    + exitClause(", and your client") + ": " + lesson(lastFault), lastFault.ladderIndex(), AFTER);
        }
        ServerLog.Data last = copies.get(copies.size() - 1);
        Set<Fault.Kind> kinds = new LinkedHashSet<>();
        ServerLog.Fault corrupt = null;
        int at = last.ladderIndex();
        for (ServerLog.Event ev : events) {
            if (ev instanceof ServerLog.Fault f && f.seq() == m && f.connection() == last.connection() && f.at() >= last.at()
                    && f.ladderIndex() >= 0) {
                kinds.add(f.fault().kind());
                at = Math.max(at, f.ladderIndex());
                if (f.fault() instanceof Fault.Corrupt) {
                    corrupt = f;
                }
            }
        }
        String sent = "your client sent it " + times(copies.size()) + (copies.size() > 1 ? "; the last copy" : "; it");
        String what;
        String lesson;
        if (kinds.contains(Fault.Kind.ERROR) && corrupt != null) {
            what = " was not delivered and answered with ERROR " + m + ", which arrived with " + field(corrupt) + " flipped, so"
                    + " its CRC-32C did not match";
            lesson = "a frame that fails its CRC-32C is no answer, never an ACK: drop the connection, reconnect and send the message again";
        } else if (kinds.contains(Fault.Kind.ERROR)) {
            what = " was answered with ERROR " + m + ": not delivered";
            lesson = "ERROR means the message was not delivered: send it again";
        } else if (kinds.contains(Fault.Kind.DROP)) {
            what = " was lost on its way (no reply came)";
            lesson = copies.size() > 1 ? "losses come in bursts: keep trying, with backoff, while time allows"
                    : "when no reply comes in time, send the message again";
        } else {
            what = " was not delivered by the server" + invalidFrame();
            lesson = "send it again until its ACK arrives";
        }
        String then = wentOn(last, m);
        ServerLog.Reply stale = staleAckAfter(last, m);
        if (stale != null && then.startsWith("went on")) {
            lesson = staleLesson(stale, m);
        } else if (m == messages.size() && copies.size() == 1 && !e.ended().timedOut() && e.ended().exitCode() == 0) {
            // Sent the last message and left: with nothing after it, no later message shows the gap.
            then = "exited with code 0 " + Durations.millis(Math.max(0, e.ended().endedAt() - last.at()))
                    + " after sending it, without waiting for its ACK";
            lesson = "a message is delivered only once its ACK has come: wait for every ACK, the last one too"
                    + " (and send again when none comes in time) before you exit 0";
        }
        return new Verdict(head + sent + what + ", and your client " + then + ": " + lesson, at, AFTER);
    }

    /** "it sent message 4 12 times in 61 ms", when it gave up on a message that was delivered; else null. */
    private String gaveUpOn(int m) {
        List<ServerLog.Data> copies = new ArrayList<>();
        for (ServerLog.Event ev : events) {
            if (ev instanceof ServerLog.Data d && d.seq() == m) {
                copies.add(d);
            }
        }
        if (m < 1 || copies.size() < 3 || e.ended().timedOut() || e.ended().exitCode() == 0) {
            return null;
        }
        long span = copies.get(copies.size() - 1).at() - copies.get(0).at();
        return "it sent message " + m + " " + times(copies.size()) + " in " + Durations.millis(span) + " and then stopped";
    }

    /** "went on to message 4 without sending it again", "exited with code 1 ...", "was killed ...". */
    private String wentOn(ServerLog.Data last, int m) {
        for (ServerLog.Event ev : events) {
            if (ev instanceof ServerLog.Data d && d.at() > last.at() && d.seq() > m) {
                return "went on to message " + d.seq() + " without sending it again";
            }
        }
        if (e.ended().timedOut()) {
            return "did not send it again before the " + Durations.limit(e.limit()) + " time limit";
        }
        return "exited with code " + e.ended().code() + " without sending it again";
    }

    /**
     * An ACK for an earlier message that reached the client while it waited for message m: sent
     * after DATA m arrived, or the second copy of the ACK just before it.
     */
    private ServerLog.Reply staleAckAfter(ServerLog.Data last, int m) {
        for (ServerLog.Event ev : events) {
            if (ev instanceof ServerLog.Reply r && r.connection() == last.connection() && r.type().equals("ACK")
                    && r.seq() > 0 && r.seq() < m && (r.at() > last.at() || r.copies() > 1 && r.seq() == m - 1)) {
                return r;
            }
        }
        return null;
    }

    private static String staleLesson(ServerLog.Reply stale, int m) {
        return "the " + (stale.copies() > 1 ? "second copy of " : "") + "ACK " + stale.seq() + " that came meanwhile answers"
                + " message " + stale.seq() + ", not message " + m + ": a stale ACK is no answer; keep waiting, and send message "
                + m + " again when the time is up";
    }

    /** Why the server closed a connection, when it was an invalid frame from the client. */
    private String invalidFrame() {
        for (ServerLog.Event ev : events) {
            if (ev instanceof ServerLog.Closed c && c.reason().startsWith("invalid frame")) {
                return "; the server closed your connection #" + c.connection() + ": " + TraceEvent.text(c.reason());
            }
        }
        return "";
    }

    /** What a fault did, as the end of "it stopped after ...". */
    private static String faultStory(ServerLog.Fault f) {
        boolean hello = f.seq() == 0 && f.request().equals("HELLO");
        String on = hello ? "your HELLO" : f.seq() > 0 ? "DATA " + f.seq() : f.request();
        return switch (f.fault()) {
            case Fault.Error x when hello -> "the server answered your HELLO with ERROR 0 (a lost HELLO: the session id was not taken)";
            case Fault.Corrupt c -> "the reply to " + on + " arrived with " + field(f) + " flipped"
                    + (c.index() >= 8 && c.index() < 12 ? " (it announced over 4 GB)" : "");
            case Fault.Reset x -> "the server reset the connection instead of answering " + on;
            case Fault.Duplicate x -> "the reply to " + on + " arrived twice";
            case Fault.AckDrop x -> "the server delivered " + on + " but its reply was lost";
            case Fault.Delay x -> "the reply to " + on + " was held back (" + x.describe() + ")";
            case Fault.Reorder x -> "the reply to " + on + " was held back and came after a later one";
            default -> on + " met the fault '" + f.fault().describe() + "' (" + ServerLog.meaning(f.fault()) + ")";
        };
    }

    /** What a correct client does after that fault. */
    private static String lesson(ServerLog.Fault f) {
        return switch (f.fault()) {
            case Fault.Error x -> "say HELLO again, on a new connection";
            case Fault.Corrupt c when c.index() >= 8 && c.index() < 12 -> "check the length before reading the payload; a frame"
                    + " longer than the maximum is invalid, and after it the byte stream is out of step: reconnect and send the"
                    + " unacknowledged message again";
            case Fault.Corrupt c -> "a frame that fails its CRC-32C is no answer: reconnect and send the unacknowledged message again";
            case Fault.Reset x -> "reconnect, say HELLO with the same session id, and send what was not acknowledged";
            case Fault.Duplicate x -> "a second copy of an ACK is stale: ignore it and keep waiting for the ACK you need";
            case Fault.AckDrop x -> "when no reply comes in time, send the message again; the server delivers it"
                    + " once however often it arrives";
            case Fault.Delay x -> LATE;
            case Fault.Reorder x -> LATE;
            default -> "recover and send the messages that are left";
        };
    }

    /** The byte of a frame a corruption hit, by field: "byte 8 (the length field)". */
    static String field(ServerLog.Fault f) {
        int k = ((Fault.Corrupt) f.fault()).index();
        String name = k < 2 ? "the magic" : k == 2 ? "the version" : k == 3 ? "the type" : k < 8 ? "the seq"
                : k < 12 ? "the length field" : "the payload or CRC";
        return "byte " + k + " (" + name + ")";
    }

    private String exitClause(String lead) {
        if (e.ended().timedOut()) {
            return lead + " was still running at the " + Durations.limit(e.limit()) + " time limit (it was killed)";
        }
        if (e.ended().exitCode() == 0) {
            return "; yet your client exited 0, as if every message had been delivered";
        }
        return lead + " exited with code " + e.ended().code();
    }

    private static String times(int n) {
        return n == 1 ? "once" : n == 2 ? "twice" : n + " times";
    }
}
