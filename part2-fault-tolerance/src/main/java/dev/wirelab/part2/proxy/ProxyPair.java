package dev.wirelab.part2.proxy;

import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameType;
import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.FaultScript;
import dev.wirelab.part2.fault.FaultSource;
import dev.wirelab.part2.server.DeliveryLedger;
import dev.wirelab.part2.server.EventLoop;
import dev.wirelab.part2.server.Outbound;
import dev.wirelab.part2.server.Served;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One client and its upstream connection, both on one loop. Each way has a {@link Flow}: it
 * reads one socket and writes the other through its {@link Outbound}; a faulty way cuts what
 * it reads into units and applies the faults decided for each.
 */
public final class ProxyPair implements Served, Outbound.Host {

    private static final long CONNECT_TIMEOUT_NANOS = 5_000_000_000L;

    private final ProxyContext context;
    private final EventLoop loop;
    private final SocketChannel client;
    private final String label;
    private final Flow up;
    private final Flow down;
    private SocketChannel server;
    private SelectionKey clientKey;
    private SelectionKey serverKey;
    private boolean connected;
    private boolean done;
    private int halfClosed;
    /** System.nanoTime of the last bytes read from either side. */
    private long lastActivity = System.nanoTime();
    /** System.nanoTime when the first side ended its stream, 0 before. */
    private long halfClosedAt;

    ProxyPair(ProxyContext context, EventLoop loop, SocketChannel client, long number, SplittableRandom upRandom,
              SplittableRandom downRandom) {
        this.context = context;
        this.loop = loop;
        this.client = client;
        this.label = "#" + number + " " + remote(client);
        this.up = new Flow("up", context.upFaulty, context.upFaulty,
                new FaultSource(context::faults, upRandom, context.upScript));
        // A request lost going up is answered on the way down, so that way is cut into units too
        // (none of them faulted): the answer then goes between two replies, never inside one.
        this.down = new Flow("down", context.downFaulty, context.downFaulty || context.upFaulty,
                new FaultSource(context::faults, downRandom, context.downScript));
    }

    /** On the loop: registers the client (reading nothing yet) and starts connecting upstream. */
    public void register() {
        if (done) {
            return;
        }
        loop.added(this);
        try {
            client.configureBlocking(false);
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            clientKey = client.register(loop.selector(), 0, this);
            server = SocketChannel.open();
            server.configureBlocking(false);
            server.setOption(StandardSocketOptions.TCP_NODELAY, true);
            up.out = new Outbound(server, loop, this, ProxyContext.MAX_QUEUED_BYTES_PER_DIRECTION,
                    ProxyContext.MAX_UNSENT_BYTES_PER_DIRECTION, context.budget);
            down.out = new Outbound(client, loop, this, ProxyContext.MAX_QUEUED_BYTES_PER_DIRECTION,
                    ProxyContext.MAX_UNSENT_BYTES_PER_DIRECTION, context.budget);
            boolean now = server.connect(context.upstream);
            serverKey = server.register(loop.selector(), now ? 0 : SelectionKey.OP_CONNECT, this);
            if (now) {
                connected();
            } else {
                loop.schedule(System.nanoTime() + CONNECT_TIMEOUT_NANOS, () -> {
                    if (!connected) {
                        close("upstream " + context.upstreamName + " unreachable: connect timed out", false);
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            // e.g. out of file descriptors, or an address that does not resolve (no message then)
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            close("upstream " + context.upstreamName + " unreachable: " + why, false);
        }
    }

    private void connected() {
        connected = true;
        lastActivity = System.nanoTime();
        context.log(label + " connected, upstream " + context.upstreamName);
        interest();
    }

    @Override
    public void onReady(SelectionKey key) {
        if (done || !key.isValid()) {
            return;
        }
        if (key == serverKey && key.isConnectable()) {
            try {
                server.finishConnect();
            } catch (IOException e) {
                close("upstream " + context.upstreamName + " unreachable: " + e.getMessage(), false);
                return;
            }
            connected();
            return;
        }
        Flow reading = key == clientKey ? up : down;
        Flow writing = key == clientKey ? down : up;
        if (key.isWritable()) {
            writing.out.flush();
        }
        if (!done && key.isValid() && key.isReadable()) {
            reading.read(key == clientKey ? client : server);
        }
    }

    @Override
    public void interest() {
        if (done || !connected) {
            return;
        }
        ops(clientKey, up, down);
        ops(serverKey, down, up);
    }

    /** A socket reads for the flow that starts at it and writes for the one that ends at it. */
    private void ops(SelectionKey key, Flow from, Flow to) {
        if (key == null || !key.isValid()) {
            return;
        }
        int ops = 0;
        if (!from.eof && !from.out.full()) {
            ops |= SelectionKey.OP_READ;
        }
        if (to.out.unsent()) {
            ops |= SelectionKey.OP_WRITE;
        }
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }

    @Override
    public void sweep(long now) {
        if (done) {
            return;
        }
        if (context.idleNanos > 0 && now - lastActivity > context.idleNanos) {
            close("idle for " + FaultConfig.seconds(Duration.ofNanos(context.idleNanos)) + " s, closing", false);
        } else if (context.halfCloseNanos > 0 && halfClosedAt != 0 && now - halfClosedAt > context.halfCloseNanos) {
            close("one side half-closed " + FaultConfig.seconds(Duration.ofNanos(context.halfCloseNanos)) + " s ago, closing", false);
        } else {
            interest(); // a direction that stopped at the shared budget reads again once there is room
        }
    }

    /** How long one of its peers has not been taking what is sent to it; any thread. */
    public long stuckNanos(long now) {
        Outbound a = up.out;
        Outbound b = down.out;
        return Math.max(a == null ? 0 : a.stuckNanos(now), b == null ? 0 : b.stuckNanos(now));
    }

    @Override
    public void internalError(Throwable e) {
        close("internal error: " + e, true);
    }

    @Override
    public void abort() {
        close("proxy stopped", false);
    }

    /** Passes an end of stream on; once both ways ended, the pair is done. */
    private void halfClose(SocketChannel to) {
        try {
            to.shutdownOutput();
        } catch (IOException ignored) {
            // the other side is gone already
        }
        if (++halfClosed == 2) {
            close("both sides closed", false);
        } else {
            halfClosedAt = System.nanoTime() | 1; // never 0, which means "not half-closed"
            interest();
        }
    }

    /** The loop the pair is served on: where {@link #close} must be called. */
    public EventLoop loop() {
        return loop;
    }

    @Override
    public void close(String why, boolean rst) {
        if (done) {
            return;
        }
        done = true;
        for (SelectionKey k : new SelectionKey[]{clientKey, serverKey}) {
            if (k != null) {
                k.cancel();
            }
        }
        for (SocketChannel s : new SocketChannel[]{client, server}) {
            if (s == null) {
                continue;
            }
            try {
                if (rst && s.isConnected()) {
                    s.setOption(StandardSocketOptions.SO_LINGER, 0); // close() then sends RST, not FIN
                }
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (Flow f : new Flow[]{up, down}) {
            if (f.out != null) {
                f.out.closed(); // gives back its share of the budget
            }
        }
        loop.removed(this);
        context.open.remove(this);
        context.log(label + " closed: " + (rst && why.equals("reset sent") ? "reset sent to both sides" : why));
    }

    /** One way through the pair. */
    private final class Flow {
        private final String name;
        private final FaultSource faults;
        /** Whether faults apply to this way's units. */
        private final boolean faulty;
        /** Null for a way that is not cut into units: its bytes pass as they come. */
        private final UnitSplitter splitter;
        private final DeliveryLedger.Window seqs = new DeliveryLedger.Window(); // arrivals per seq, for "seq N #K"
        private final long opened = System.nanoTime();
        private Outbound out;
        private boolean eof;
        private long count;
        /** A lost request was answered on the other way during this read: that way must write. */
        private boolean answered;

        Flow(String name, boolean faulty, boolean cut, FaultSource faults) {
            this.name = name;
            this.faults = faults;
            this.faulty = faulty;
            this.splitter = cut ? new UnitSplitter(context.maxFrame) : null;
        }

        void read(SocketChannel from) {
            if (out.full()) {
                interest(); // the other side is not taking what it is owed: read no more for now
                return;
            }
            int n;
            try {
                n = loop.read(from);
            } catch (IOException e) {
                close(name + ": " + e.getMessage(), false);
                return;
            }
            if (n == 0) {
                return;
            }
            long arrival = System.nanoTime();
            lastActivity = arrival;
            if (n < 0) {
                endOfStream();
                return;
            }
            byte[] b = loop.readBytes();
            if (splitter == null) {
                out.send(b, 0, n, 1, arrival, false, null);
            } else {
                for (UnitSplitter.Unit u : splitter.feed(b, 0, n)) {
                    unit(u, arrival);
                    if (done) {
                        return; // reset: what followed never arrived
                    }
                }
            }
            out.release();
            if (answered) {
                answered = false;
                back().out.release();
            }
        }

        /** The other way, which carries the answers to what this way carries. */
        private Flow back() {
            return this == up ? down : up;
        }

        private void unit(UnitSplitter.Unit u, long arrival) {
            if (!faulty) {
                out.send(u.bytes(), 0, u.bytes().length, 1, arrival, false, null);
                return;
            }
            context.units.increment();
            count++;
            FaultSource.Decision d = faults.none() ? FaultSource.Decision.CLEAN
                    : faults.decide(request(u, arrival), u.corruptible(), u.bytes().length);
            if (d.clean() && !faults.shapes()) {
                out.send(u.bytes(), 0, u.bytes().length, 1, arrival, false, null);
                return;
            }
            long n = count;
            out.slice(faults.config().slice());
            // A request lost going up is answered (ERROR / Packet Loss) to the client, as the echo
            // server answers it, rather than handed to the server.
            Outbound lossOut = this == up ? down.out : out;
            answered |= d.error() && this == up;
            try {
                faults.apply(d, u.bytes(), u.lossReplacement(), () -> label + " " + name + " "
                                + splitter.mode().name().toLowerCase(Locale.ROOT) + " unit " + n,
                        arrival, out, lossOut, context.counters, context::log, FaultSource.Listener.NONE);
            } catch (IOException e) {
                close(name + " failed: " + e.getMessage(), false);
            }
        }

        private void endOfStream() {
            eof = true;
            if (splitter != null) {
                byte[] rest = splitter.drain();
                if (rest.length > 0) {
                    out.send(rest, 0, rest.length, 1, System.nanoTime(), false, null);
                }
            }
            SocketChannel to = this == up ? server : client;
            out.endOfInput();
            out.whenDrained(() -> halfClose(to));
            out.release();
            interest();
        }

        /**
         * A unit as a script matches it; null without a script. Going up, a frame is what the
         * client sent (HELLO, DATA seq N); coming down, what it answers (the ACK or ERROR of seq N,
         * seq 0 for the HELLO), so {@code seq 3 #2} is the second ACK 3. Arrivals are counted per
         * connection (the proxy keeps no client ids), {@code reply N} counts the units of this way.
         */
        private FaultScript.Request request(UnitSplitter.Unit u, long arrival) {
            if (!faults.scripted()) {
                return null;
            }
            byte[] b = u.bytes();
            FaultScript.RequestType type = FaultScript.RequestType.LINE;
            long seq = 0;
            int k = 0;
            long hello = 0;
            if (splitter.mode() == UnitSplitter.Mode.FRAMES && b.length >= FrameCodec.HEADER_BYTES) {
                seq = FrameCodec.getU32(b, 4);
                // Coming down, an ACK or ERROR stands for the request it answers: seq 0 for the HELLO.
                if (this == up ? b[3] == FrameType.HELLO.code() : seq == 0) {
                    type = FaultScript.RequestType.HELLO;
                    hello = faults.script().nextHello();
                    seq = 0;
                } else {
                    type = FaultScript.RequestType.DATA;
                    k = seqs.arrive(seq);
                }
            }
            return new FaultScript.Request(type, seq, k, hello, faults.script().nextRequest(), arrival - opened);
        }
    }

    /** {@code ip:port} of the peer of {@code ch}, or {@code unknown}. */
    public static String remote(SocketChannel ch) {
        try {
            InetSocketAddress a = (InetSocketAddress) ch.getRemoteAddress();
            return a.getAddress().getHostAddress() + ":" + a.getPort();
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
