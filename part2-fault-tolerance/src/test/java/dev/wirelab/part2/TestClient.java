package dev.wirelab.part2;

import dev.wirelab.common.Frame;
import dev.wirelab.common.FrameCodec;
import dev.wirelab.common.FrameDecoder;
import dev.wirelab.common.FrameFormatException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A raw socket to a test server: sends bytes, lines or frames and reads what comes back. */
public final class TestClient implements AutoCloseable {

    public final Socket socket;
    private final InputStream in;

    public TestClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(20_000); // a safety net only; tests wait on EOF or on a reply
        in = socket.getInputStream();
    }

    /** Connects, then sends HELLO {@code id} and DATA 1..n (payload "m1".."mn") pipelined. */
    public static TestClient helloAndData(InetSocketAddress address, String id, int n) throws IOException {
        TestClient c = new TestClient(address);
        c.sendFrame(Frame.hello(id));
        for (int i = 1; i <= n; i++) {
            c.sendFrame(Frame.data(i, ("m" + i).getBytes(StandardCharsets.UTF_8)));
        }
        return c;
    }

    public TestClient send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        return this;
    }

    public TestClient sendLine(String line) throws IOException {
        return send((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public TestClient sendFrame(Frame f) throws IOException {
        return send(FrameCodec.encode(f));
    }

    /** Half-closes: the server sees EOF, sends what it still owes, then closes. */
    public TestClient shutdownOutput() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    /** Every byte until the server closes. */
    public byte[] readToEnd() throws IOException {
        return in.readAllBytes();
    }

    /** Reads exactly n bytes. */
    public byte[] readExactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("stream ended after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    public String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            if (c == '\n') {
                break;
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Reads frames until {@code count} arrived. */
    public List<Frame> readFrames(int count) throws IOException, FrameFormatException {
        FrameDecoder d = new FrameDecoder();
        List<Frame> frames = new ArrayList<>();
        byte[] buf = new byte[4096];
        while (frames.size() < count) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("stream ended after " + frames.size() + " of " + count + " frames");
            }
            frames.addAll(d.feed(buf, 0, n));
        }
        return frames;
    }

    public Frame readFrame() throws IOException, FrameFormatException {
        return readFrames(1).get(0);
    }

    public static List<String> lines(byte[] bytes) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                out.add(new String(bytes, start, i + 1 - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        if (start < bytes.length) {
            out.add(new String(bytes, start, bytes.length - start, StandardCharsets.ISO_8859_1));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
