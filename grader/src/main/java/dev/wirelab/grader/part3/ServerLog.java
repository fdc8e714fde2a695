package dev.wirelab.grader.part3;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.grader.Ladder;
import dev.wirelab.part2.FaultScript;
import dev.wirelab.part2.ServerEvent;
import dev.wirelab.part2.ServerObserver;
import dev.wirelab.part3.TraceEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the project's server saw and did in one scenario, in order: the grader's evidence. It is
 * the server's {@link ServerObserver}, and every event also goes into the ladder, in the format of
 * {@code part3 client --trace} with the arrows as the client sees them: {@code -->} what the
 * client sent, {@code <--} what the server answered, {@code !!} the faults. The server runs one
 * event loop for a scenario, so the events of all connections arrive in the order they happened.
 */
public final class ServerLog implements ServerObserver {

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

    /** A line of text instead of a frame: the client does not speak the wire format. */
    public record Line(long at, long connection, byte[] line, int ladderIndex) implements Event {
    }

    /** A DATA frame arrived; {@code arrival} counts its copies from this client id (1 = the first). */
    public record Data(long at, long connection, String clientId, long seq, int arrival, byte[] payload, int ladderIndex)
            implements Event {
    }

    /** The server handed a message to its application: what "delivered" means in every check. */
    public record Delivered(long at, long connection, String clientId, long seq, byte[] payload, int ladderIndex)
            implements Event {
    }

    public record Suppressed(long at, long connection, String clientId, long seq, int ladderIndex) implements Event {
    }

    /**
     * @param request what it hit, as the server names it: {@code HELLO}, {@code seq=3}
     * @param rule    the script line that chose it, 0 for the random rates
     */
    public record Fault(long at, long connection, dev.wirelab.part2.Fault fault, String request, long seq, int rule, int ladderIndex)
            implements Event {
    }

    /** @param type {@code ACK}, {@code ERROR}, ... */
    public record Reply(long at, long connection, String type, long seq, int bytes, int copies, boolean corrupted,
                        int ladderIndex) implements Event {
    }

    public record Reset(long at, long connection, int ladderIndex) implements Event {
    }

    private final Ladder ladder;
    private final FaultScript script;
    private final List<Event> events = new ArrayList<>();
    /** The last DATA of each connection: a Delivered event follows it and carries no payload. */
    private final Map<Long, ServerEvent.DataArrived> lastData = new HashMap<>();
    /** Each connection's recent DATA payloads: the reply events carry none, and an ACK echoes its DATA's. */
    private final Map<Long, Recent> recent = new HashMap<>();
    /** The reason part 2's server gives in an ERROR for a message it lost (the report's reply). */
    private static final String PACKET_LOSS = "Packet Loss";
    private int open;

    public ServerLog(Ladder ladder, FaultScript script) {
        this.ladder = ladder;
        this.script = script;
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

    /**
     * Waits until every connection the server saw is closed, at most {@code max}: a client that
     * has exited may have left bytes that the server has not read yet.
     */
    public synchronized void awaitAllClosed(java.time.Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (openConnections() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    private int openConnections() {
        return open;
    }

    /** On the server's event loop: records the event, and adds its ladder line. */
    @Override
    public synchronized void onEvent(ServerEvent event) {
        if (events.size() >= Ladder.MAX_EVENTS) {
            return; // a runaway client: what is kept already tells the story
        }
        long at = event.at();
        long c = event.connection();
        open += event instanceof ServerEvent.ConnectionOpened ? 1 : event instanceof ServerEvent.ConnectionClosed ? -1 : 0;
        String on = "#" + c + " ";
        events.add(switch (event) {
            case ServerEvent.ConnectionOpened o -> new Connected(at, c, o.remote(),
                    ladder.add(at, TraceEvent.Arrow.NOTE, "connect", on + "from " + TraceEvent.text(o.remote())));
            case ServerEvent.ConnectionClosed o -> {
                lastData.remove(c);
                recent.remove(c);
                yield new Closed(at, c, o.reason(), ladder.add(at, TraceEvent.Arrow.NOTE, "closed", on + TraceEvent.text(o.reason())));
            }
            case ServerEvent.Hello h -> new Hello(at, c, h.clientId(), h.accepted(), ladder.add(at, TraceEvent.Arrow.TO_SERVER, "HELLO",
                    on + "session id \"" + TraceEvent.text(h.clientId()) + "\"" + (h.accepted() ? "" : ", not taken")));
            case ServerEvent.LineArrived l -> new Line(at, c, l.line(), ladder.add(at, TraceEvent.Arrow.TO_SERVER, "line",
                    on + TraceEvent.preview(l.line()) + ": text, not a frame"));
            case ServerEvent.DataArrived d -> {
                lastData.put(c, d);
                recent.computeIfAbsent(c, k -> new Recent()).put(d.seq(), d.payload());
                yield new Data(at, c, d.clientId(), d.seq(), d.arrival(), d.payload(), frameLine(at, TraceEvent.Arrow.TO_SERVER, on,
                        Frame.data(d.seq(), d.payload()), d.arrival() > 1 ? "copy " + d.arrival() : ""));
            }
            case ServerEvent.Delivered d -> {
                ServerEvent.DataArrived data = lastData.get(c);
                byte[] payload = data != null && data.seq() == d.seq() ? data.payload() : new byte[0];
                yield new Delivered(at, c, d.clientId(), d.seq(), payload, ladder.add(at, TraceEvent.Arrow.NOTE, "delivered",
                        "DATA " + d.seq() + " handed to the server's application"));
            }
            case ServerEvent.DuplicateSuppressed d -> new Suppressed(at, c, d.clientId(), d.seq(), ladder.add(at,
                    TraceEvent.Arrow.NOTE, "duplicate", "DATA " + d.seq() + " was delivered before: acknowledged again, not delivered again"));
            // A random delay on every reply is the scenario's network, not news: no ladder line.
            case ServerEvent.FaultApplied f when f.rule() == 0 && f.fault() instanceof dev.wirelab.part2.Fault.Delay ->
                    new Fault(at, c, f.fault(), f.request(), f.seq(), 0, -1);
            case ServerEvent.FaultApplied f -> new Fault(at, c, f.fault(), f.request(), f.seq(), f.rule(), ladder.add(at, TraceEvent.Arrow.PROBLEM,
                    f.fault().kind().action(), (f.seq() > 0 ? "DATA " + f.seq() : f.request()) + ": " + meaning(f.fault())
                            + " (" + by(f.rule()) + ")"));
            case ServerEvent.ReplySent r -> {
                String type = switch (r.type()) {
                    case ACK -> "ACK";
                    case ERROR -> "ERROR";
                    default -> r.type().name();
                };
                String more = (r.corrupted() ? "one byte flipped" : "") + (r.corrupted() && r.copies() > 1 ? ", " : "")
                        + (r.copies() > 1 ? "sent " + r.copies() + " times" : "");
                if (r.type() == ServerEvent.ReplyType.ACK && r.seq() == 0) {
                    more = more.isEmpty() ? "for HELLO" : "for HELLO, " + more;
                }
                Frame sent = sentFrame(c, r);
                int line = sent != null ? frameLine(at, TraceEvent.Arrow.TO_CLIENT, on, sent, more)
                        : ladder.add(at, TraceEvent.Arrow.TO_CLIENT, type + " " + r.seq(), on + r.bytes() + " bytes" + (more.isEmpty() ? "" : ", " + more));
                yield new Reply(at, c, type, r.seq(), r.bytes(), r.copies(), r.corrupted(), line);
            }
            case ServerEvent.ResetSent r -> new Reset(at, c, ladder.add(at, TraceEvent.Arrow.PROBLEM, "reset",
                    on + "aborted with a TCP RST instead of the reply"));
        });
        notifyAll();
    }

    /** A frame's ladder line as part 3's trace renders it, after the connection it is on. */
    private int frameLine(long at, TraceEvent.Arrow arrow, String on, Frame f, String more) {
        TraceEvent e = TraceEvent.frame(0, arrow, f, more);
        return ladder.add(at, arrow, e.event(), e.detail().isEmpty() ? on.strip() : on + e.detail());
    }

    /**
     * The frame a reply was, as the server built it (before a fault flipped a byte), when its
     * bytes tell: an ACK echoes the payload of its DATA on that connection, and an ERROR n is the
     * report's "Packet Loss" when its length says so; else null (the ladder gives the size).
     */
    private Frame sentFrame(long connection, ServerEvent.ReplySent r) {
        Frame f = switch (r.type()) {
            case ACK -> {
                Recent payloads = recent.get(connection);
                byte[] p = r.seq() == 0 ? new byte[0] : payloads == null ? null : payloads.get(r.seq());
                yield p == null ? null : Frame.ack(r.seq(), p);
            }
            case ERROR -> Frame.error(r.seq(), PACKET_LOSS);
            default -> null;
        };
        return f != null && FrameCodec.OVERHEAD_BYTES + f.payloadLength() == r.bytes() ? f : null;
    }

    /** A connection's recent DATA payloads by seq, bounded: replies answer recent requests. */
    private static final class Recent extends LinkedHashMap<Long, byte[]> {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > 64;
        }
    }

    private String by(int rule) {
        if (rule == 0) {
            return "random rate";
        }
        for (FaultScript.Rule r : script.rules()) {
            if (r.line() == rule) {
                return "script: " + r.text();
            }
        }
        return "script line " + rule;
    }

    /** What a fault does, in the student's words. */
    static String meaning(dev.wirelab.part2.Fault f) {
        return switch (f) {
            case dev.wirelab.part2.Fault.Drop d -> "lost on its way, not delivered, no reply";
            case dev.wirelab.part2.Fault.Error e -> "not delivered, answered with ERROR";
            case dev.wirelab.part2.Fault.AckDrop a -> "delivered, but its reply is lost";
            case dev.wirelab.part2.Fault.Corrupt c -> "byte " + c.index() + " of the reply is flipped";
            case dev.wirelab.part2.Fault.Duplicate d -> "the reply is sent twice";
            case dev.wirelab.part2.Fault.Reset r -> "delivered, then the connection is reset instead of a reply";
            case dev.wirelab.part2.Fault.Delay d -> "the reply is held back (" + f.describe() + ")";
            case dev.wirelab.part2.Fault.Stall s -> "nothing is sent on the connection for a while (" + f.describe() + ")";
            case dev.wirelab.part2.Fault.Reorder r -> "the reply is held back and goes out after the next one";
            case dev.wirelab.part2.Fault.Throttle t -> "the reply waits for the bandwidth limit (" + f.describe() + ")";
            case dev.wirelab.part2.Fault.Slice s -> "the reply is written in pieces (" + f.describe() + ")";
        };
    }
}
