package dev.wirelab.part2.server;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.part2.Delivery;
import dev.wirelab.part2.FaultScript;
import dev.wirelab.part2.ServerEvent;
import dev.wirelab.part2.ServerObserver;
import dev.wirelab.part2.fault.FaultSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * What the echo server does with each message of one connection, once {@link EchoConnection}
 * has cut it out of the stream: a line is echoed; HELLO names the connection's client; DATA is
 * delivered once per (client, seq) and acknowledged. Each answer gets the faults its
 * {@link FaultSource} decides, and goes to the connection's {@link Outbound}. The decoder, this
 * handler and the outbound queue are Netty's decoder, handler and channel in one loop thread.
 */
final class EchoHandler {

    private static final byte[] HELLO_ACK = FrameCodec.encode(Frame.ack(0, new byte[0]));

    private final ServerContext server;
    private final EchoConnection conn;
    private final Outbound outbound;
    private final FaultSource faults;
    private final ServerObserver observer;
    private final boolean logging;
    private final long number;
    private final String label;
    /** The peer's address without its port: what its share of the delivery ledger is counted by. */
    private final String address;
    private long messages;
    /** The HELLO id, or the label without one (what {@link Delivery#clientId()} reports). */
    private String clientId;
    /** {@link #clientId} as log lines show it: escaped, since a peer chose it. */
    private String shownId;
    /**
     * What the delivery ledger knows a named client by: its HELLO id's bytes, one char per byte
     * (ISO-8859-1 maps every byte to a char and back), so two ids that differ only in bytes that
     * are not UTF-8, and so read alike as {@link #clientId}, are still two clients.
     */
    private String ledgerKey;
    private boolean named;
    /**
     * Without HELLO a connection is its own client, with its own window that ends with it: an
     * ip:port is reused by the next client that gets the same ephemeral port, and a HELLO id may
     * spell the same text; sharing numbers with either would acknowledge a stranger's seq=1
     * without delivering it.
     */
    private final DeliveryLedger.Window unnamed = new DeliveryLedger.Window();

    EchoHandler(ServerContext server, EchoConnection conn, Outbound outbound, FaultSource faults, long number,
                String label, String address) {
        this.server = server;
        this.conn = conn;
        this.outbound = outbound;
        this.faults = faults;
        this.observer = server.observer();
        this.logging = server.logging();
        this.number = number;
        this.label = label;
        this.address = address;
        this.clientId = label;
        this.shownId = label;
    }

    /** Messages this connection received (lines and DATA). */
    long messages() {
        return messages;
    }

    /** One message: {@code len} bytes ending with its newline; false once the connection closed. */
    boolean line(byte[] b, int off, int len) {
        messages++;
        server.messages.increment();
        server.lines.increment();
        if (logging) {
            log(label + " received " + Log.shown(b, off, len));
        }
        long n = messages;
        if (observer != null) {
            observe(new ServerEvent.LineArrived(conn.arrival(), number, n, Arrays.copyOfRange(b, off, off + len)));
        }
        if (faults.none() && outbound.direct()) {
            if (observer == null) {
                outbound.append(b, off, len, null); // the fast path of a clean echo: no allocation
            } else {
                outbound.append(b, off, len, sent(ServerEvent.ReplyType.LINE, 0, len, 1, false));
            }
            return true;
        }
        int terminator = len >= 2 && b[off + len - 2] == '\r' ? 2 : 1;
        FaultSource.Decision d = faults.none() ? FaultSource.Decision.CLEAN
                : faults.decide(request(FaultScript.RequestType.LINE, 0, 0), len - terminator, len);
        if (d.clean() && !faults.shapes()) {
            outbound.send(b, off, len, 1, conn.arrival(), false, sent(ServerEvent.ReplyType.LINE, 0, len, 1, false));
            return true;
        }
        apply(d, Arrays.copyOfRange(b, off, off + len), EchoConnection.PACKET_LOSS_LINE, 0, () -> "line " + n, ServerEvent.ReplyType.LINE);
        return !conn.isClosed();
    }


    void frame(Frame f) {
        switch (f.type()) {
            case HELLO -> hello(f);
            case DATA -> data(f);
            case ACK, ERROR -> log(label + " unexpected " + f.type() + " seq=" + f.seq() + " from a client, ignored");
        }
    }

    private void hello(Frame f) {
        String id = f.payloadText();
        String key = new String(f.payload(), StandardCharsets.ISO_8859_1);
        String shown = id.isEmpty() ? label : Log.shown(f.payload());
        long helloNumber = faults.scripted() ? faults.script().nextHello() : 0;
        if (named && !key.equals(ledgerKey)) {
            // One id per connection: a connection cycling through ids could otherwise fill the
            // delivery ledger from a single socket and push other clients out.
            log(label + " second HELLO (" + shown + ") after " + shownId + ", refused with ERROR 0");
            observe(new ServerEvent.Hello(conn.arrival(), number, id, false));
            reply(Frame.error(0, "one HELLO per connection"), 0, () -> "HELLO", ServerEvent.ReplyType.ERROR,
                    request(FaultScript.RequestType.HELLO, 0, 0, helloNumber));
            return;
        }
        FaultSource.Decision d = faults.decide(request(FaultScript.RequestType.HELLO, 0, 0, helloNumber),
                HELLO_ACK.length, HELLO_ACK.length);
        if (!d.delivered()) {
            // ERROR 0 tells the client its HELLO was not delivered: then it must not count
            // either, or the connection would run under an id the client thinks failed.
            log(label + " lost HELLO from " + shown + ", id not taken");
            observe(new ServerEvent.Hello(conn.arrival(), number, id, false));
        } else if (!id.isEmpty()) {
            clientId = id;
            ledgerKey = key;
            shownId = shown;
            named = true;
            log(label + " hello from " + shownId);
            observe(new ServerEvent.Hello(conn.arrival(), number, id, true));
        } else {
            log(label + " hello without an id, the connection stays its own client");
            observe(new ServerEvent.Hello(conn.arrival(), number, id, true));
        }
        replyFrame(d, HELLO_ACK, 0, () -> "HELLO");
    }

    private void data(Frame f) {
        messages++;
        server.messages.increment();
        long seq = f.seq();
        if (seq == 0) {
            log(label + " DATA with seq 0 from " + shownId + " (seq starts at 1), answered with ERROR");
            reply(Frame.error(0, "DATA seq must be at least 1"), 0, () -> "DATA seq=0", ServerEvent.ReplyType.ERROR,
                    request(FaultScript.RequestType.DATA, 0, 0));
            return;
        }
        int arrivalCount = 0;
        if (observer != null || faults.scripted()) {
            arrivalCount = named ? server.ledger().arrive(address, ledgerKey, seq) : unnamed.arrive(seq);
            observe(new ServerEvent.DataArrived(conn.arrival(), number, clientId, seq, arrivalCount, f.payload()));
        }
        byte[] ack = FrameCodec.encode(Frame.ack(seq, f.payload()));
        FaultSource.Decision d = faults.none() ? FaultSource.Decision.CLEAN
                : faults.decide(request(FaultScript.RequestType.DATA, seq, arrivalCount), ack.length, ack.length);
        if (!d.delivered()) {
            // The wire format's ERROR n means "n was not delivered" (and a dropped reply stands
            // for a lost request): a lost message never reaches the handler.
            // A lost copy of a message delivered before: this copy is lost, the message is not.
            boolean before = logging && (named ? server.ledger().delivered(ledgerKey, seq) : unnamed.marked(seq));
            log(label + " lost seq=" + seq + " from " + shownId + (before
                    ? ", this copy not delivered (an earlier copy was)" : ", not delivered"));
        } else if (named ? server.ledger().markDelivered(address, ledgerKey, seq) : DeliveryLedger.markLocal(unnamed, seq)) {
            server.delivered.increment();
            log(label + " delivered seq=" + seq + " from " + shownId);
            observe(new ServerEvent.Delivered(conn.arrival(), number, clientId, seq));
            server.deliver(new Delivery(clientId, seq, f.payload()));
        } else {
            server.duplicatesSuppressed.increment();
            log(label + " duplicate seq=" + seq + " from " + shownId + ", acknowledged again");
            observe(new ServerEvent.DuplicateSuppressed(conn.arrival(), number, clientId, seq));
        }
        replyFrame(d, ack, seq, () -> "seq=" + seq);
    }

    private FaultScript.Request request(FaultScript.RequestType type, long seq, int arrivalCount) {
        return request(type, seq, arrivalCount, 0);
    }

    /** The request as a script matches it; null without a script (nothing to match). */
    private FaultScript.Request request(FaultScript.RequestType type, long seq, int arrivalCount, long hello) {
        if (!faults.scripted()) {
            return null;
        }
        return new FaultScript.Request(type, seq, arrivalCount, hello, faults.script().nextRequest(), conn.arrival() - conn.opened());
    }

    /** A reply of the server's own (an ERROR for a bad request), with the faults a reply can get. */
    private void reply(Frame reply, long seq, Supplier<String> what, ServerEvent.ReplyType type, FaultScript.Request request) {
        byte[] bytes = FrameCodec.encode(reply);
        FaultSource.Decision d = faults.none() ? FaultSource.Decision.CLEAN : faults.decide(request, bytes.length, bytes.length);
        if (d.clean() && !faults.shapes()) {
            outbound.send(bytes, 0, bytes.length, 1, conn.arrival(), false, sent(type, seq, bytes.length, 1, false));
            return;
        }
        apply(d, bytes, FrameCodec.encode(Frame.error(seq, EchoConnection.PACKET_LOSS)), seq, what, type);
    }

    private void replyFrame(FaultSource.Decision d, byte[] bytes, long seq, Supplier<String> what) {
        if (d.clean() && !faults.shapes()) {
            outbound.send(bytes, 0, bytes.length, 1, conn.arrival(), false, sent(ServerEvent.ReplyType.ACK, seq, bytes.length, 1, false));
            return;
        }
        apply(d, bytes, FrameCodec.encode(Frame.error(seq, EchoConnection.PACKET_LOSS)), seq, what, ServerEvent.ReplyType.ACK);
    }

    private void apply(FaultSource.Decision d, byte[] reply, byte[] lossReplacement, long seq, Supplier<String> what,
                       ServerEvent.ReplyType type) {
        FaultSource.Listener listener = observer == null ? FaultSource.Listener.NONE : new FaultSource.Listener() {
            @Override
            public void applied(FaultSource.Applied a) {
                observe(new ServerEvent.FaultApplied(System.nanoTime(), number, a.fault(), what.get(), seq, a.rule()));
            }

            @Override
            public Runnable sending(byte[] bytes, int copies, boolean corrupted, boolean replacement) {
                ServerEvent.ReplyType t = !replacement ? type
                        : type == ServerEvent.ReplyType.LINE ? ServerEvent.ReplyType.PACKET_LOSS_LINE : ServerEvent.ReplyType.ERROR;
                return sent(t, seq, bytes.length, copies, corrupted);
            }
        };
        outbound.slice(faults.config().slice());
        try {
            faults.apply(d, reply, lossReplacement, () -> label + " reply to " + what.get(), conn.arrival(), outbound,
                    server.faultCounters(), logging ? this::log : null, listener);
        } catch (IOException e) {
            conn.close("connection error: " + e.getMessage(), false);
        }
    }

    /** What tells the observer a reply left; null without an observer. */
    private Runnable sent(ServerEvent.ReplyType type, long seq, int bytes, int copies, boolean corrupted) {
        if (observer == null) {
            return null;
        }
        return () -> observe(new ServerEvent.ReplySent(System.nanoTime(), number, type, seq, bytes, copies, corrupted));
    }

    void observe(ServerEvent e) {
        if (observer != null) {
            server.observe(e);
        }
    }

    void log(String line) {
        if (logging) {
            server.log(line);
        }
    }
}
