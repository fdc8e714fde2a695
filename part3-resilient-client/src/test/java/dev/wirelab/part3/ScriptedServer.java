package dev.wirelab.part3;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameDecoder;
import dev.wirelab.common.FrameFormatException;
import dev.wirelab.common.FrameType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small wire-format server on a real loopback socket whose replies follow a script, so a test can
 * put exactly the fault it is about at exactly the place it wants (a stale ACK before the real one,
 * a reset with three messages in flight). It delivers each (client id, seq) once, like part 2's server.
 */
final class ScriptedServer implements AutoCloseable {

    /** What to do with the reply to one DATA frame. */
    sealed interface Action {
        record Ack() implements Action { }

        record Error(String reason) implements Action { }

        record Drop() implements Action { }

        /** Send the ACK with the byte at {@code index} of its frame inverted. */
        record Corrupt(int index) implements Action { }

        record Duplicate() implements Action { }

        /** Abort the connection with a TCP RST instead of replying. */
        record Reset() implements Action { }

        /** Send this frame first, then the ACK. */
        record Before(Frame extra) implements Action { }

        /** An ACK with a valid CRC that echoes a different payload. */
        record WrongEcho() implements Action { }

        /** Send the ACK and, in the same write, a copy of it with one byte inverted. */
        record AckThenGarbage() implements Action { }

        /** Hold the reply back until the next DATA arrives, then send it before that one's reply. */
        record Late() implements Action { }

        /** As {@link Late}, with an ERROR as the held-back reply. */
        record LateError(String reason) implements Action { }
    }

    /** Decides the reply to the {@code n}-th DATA frame the server received (1-based, across connections). */
    interface Script {
        Action reply(int n, String clientId, Frame data);
    }

    record Delivery(String clientId, long seq, byte[] payload) { }

    static final Action ACK = new Action.Ack();

    private final ServerSocket server;
    private final int port;
    private final Script script;
    private final AtomicInteger dataFrames = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final Map<String, Set<Long>> delivered = new ConcurrentHashMap<>();
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger helloErrors = new AtomicInteger();
    private final AtomicInteger corruptHellos = new AtomicInteger();

    ScriptedServer(Script script) throws IOException {
        this.script = script;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = server.getLocalPort();
        Thread.ofVirtual().start(this::acceptLoop);
    }

    /** Answers the next {@code n} HELLOs with ERROR 0 instead of ACK 0. */
    ScriptedServer rejectHellos(int n) {
        helloErrors.set(n);
        return this;
    }

    /** Answers the next {@code n} HELLOs with an ACK 0 whose first (magic) byte is inverted. */
    ScriptedServer corruptHellos(int n) {
        corruptHellos.set(n);
        return this;
    }

    /** Stops accepting: new connections are refused, open ones go on. */
    void closeListener() throws IOException {
        server.close();
    }

    int port() {
        return port;
    }

    int dataFrames() {
        return dataFrames.get();
    }

    int connections() {
        return connections.get();
    }

    List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                // Without it Nagle holds a second small reply until the client's delayed ACK: 40 ms.
                s.setTcpNoDelay(true);
                open.add(s);
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        String clientId = s.getRemoteSocketAddress().toString();
        byte[] held = null;
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            FrameDecoder decoder = new FrameDecoder();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                for (Frame f : decoder.feed(buf, 0, n)) {
                    if (f.type() == FrameType.HELLO) {
                        clientId = f.payloadText();
                        if (helloErrors.getAndUpdate(k -> Math.max(0, k - 1)) > 0) {
                            out.write(FrameCodec.encode(Frame.error(0, "not now")));
                            return;
                        }
                        byte[] ack0 = FrameCodec.encode(Frame.ack(0, new byte[0]));
                        if (corruptHellos.getAndUpdate(k -> Math.max(0, k - 1)) > 0) {
                            ack0[0] ^= (byte) 0xFF;
                            out.write(ack0);
                            return;
                        }
                        out.write(ack0);
                        continue;
                    }
                    if (f.type() != FrameType.DATA) {
                        return;
                    }
                    int count = dataFrames.incrementAndGet();
                    if (delivered.computeIfAbsent(clientId, k -> ConcurrentHashMap.newKeySet()).add(f.seq())) {
                        deliveries.add(new Delivery(clientId, f.seq(), f.payload()));
                    }
                    byte[] ack = FrameCodec.encode(Frame.ack(f.seq(), f.payload()));
                    Action action = script.reply(count, clientId, f);
                    if (held != null && !(action instanceof Action.Late) && !(action instanceof Action.LateError)) {
                        out.write(held);
                        held = null;
                    }
                    switch (action) {
                        case Action.Ack a -> out.write(ack);
                        case Action.Error e -> out.write(FrameCodec.encode(Frame.error(f.seq(), e.reason())));
                        case Action.Drop d -> { }
                        case Action.Corrupt c -> {
                            ack[c.index() % ack.length] ^= (byte) 0xFF;
                            out.write(ack);
                        }
                        case Action.Duplicate d -> {
                            out.write(ack);
                            out.write(ack);
                        }
                        case Action.Reset r -> {
                            s.setSoLinger(true, 0);
                            return;
                        }
                        case Action.Before b -> {
                            out.write(FrameCodec.encode(b.extra()));
                            out.write(ack);
                        }
                        case Action.WrongEcho w -> out.write(FrameCodec.encode(Frame.ack(f.seq(), "not what was sent".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
                        case Action.Late l -> held = ack;
                        case Action.LateError e -> held = FrameCodec.encode(Frame.error(f.seq(), e.reason()));
                        case Action.AckThenGarbage g -> {
                            byte[] both = java.util.Arrays.copyOf(ack, ack.length * 2);
                            System.arraycopy(ack, 0, both, ack.length, ack.length);
                            both[ack.length + 13] ^= (byte) 0xFF;
                            out.write(both);
                        }
                    }
                    out.flush();
                }
            }
        } catch (IOException | FrameFormatException e) {
            // the client went away or sent garbage: this connection ends, the server goes on
        } finally {
            open.remove(s);
        }
    }
}
