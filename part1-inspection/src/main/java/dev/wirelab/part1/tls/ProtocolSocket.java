package dev.wirelab.part1.tls;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import org.bouncycastle.tls.TlsProtocol;

/**
 * A BouncyCastle TLS connection dressed as a {@link Socket}, so that the server's read loop and
 * the client's relay use it as they use the JDK's {@code SSLSocket}: streams of plaintext,
 * timeouts and addresses of the TCP socket underneath, and {@link #shutdownOutput()} that sends
 * close_notify and a FIN while the peer may still answer.
 */
public final class ProtocolSocket extends Socket {

    private final Socket raw;
    private final TlsProtocol protocol;
    private final InputStream in;
    private volatile boolean outputShut;

    private ProtocolSocket(Socket raw, TlsProtocol protocol) {
        this.raw = raw;
        this.protocol = protocol;
        this.in = new FilterInputStream(protocol.getInputStream()) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n < 0 && outputShut) {
                    drainRaw(); // reading the peer's last bytes lets both sides close with FINs, not a reset
                }
                return n;
            }
        };
    }

    /** The raw streams BouncyCastle gets: closing its output half-closes TCP, closing its input does nothing. */
    static InputStream rawInput(Socket raw) throws IOException {
        return new FilterInputStream(raw.getInputStream()) {
            @Override
            public void close() {
                // the socket is closed by ProtocolSocket.close(), after the peer's last bytes
            }
        };
    }

    static OutputStream rawOutput(Socket raw) throws IOException {
        return new FilterOutputStream(raw.getOutputStream()) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len); // FilterOutputStream would write byte by byte
            }

            @Override
            public void close() throws IOException {
                flush();
                if (!raw.isClosed() && !raw.isOutputShutdown()) {
                    raw.shutdownOutput();
                }
            }
        };
    }

    /** Wraps a protocol whose handshake is done, running over {@code raw}'s {@link #rawInput}/{@link #rawOutput}. */
    static ProtocolSocket of(Socket raw, TlsProtocol protocol) {
        return new ProtocolSocket(raw, protocol);
    }

    private void drainRaw() {
        try {
            InputStream r = raw.getInputStream();
            byte[] skip = new byte[4096];
            for (int i = 0; i < 256 && r.read(skip) >= 0; i++) {
                // ciphertext after our close_notify: nothing in it is for the application
            }
        } catch (IOException ignored) {
            // a timeout or reset only changes how the connection ends
        }
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return protocol.getOutputStream();
    }

    @Override
    public void shutdownOutput() throws IOException {
        outputShut = true;
        protocol.close();
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShut;
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        raw.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return raw.getSoTimeout();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return raw.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return raw.getLocalSocketAddress();
    }

    @Override
    public InetAddress getInetAddress() {
        return raw.getInetAddress();
    }

    @Override
    public int getPort() {
        return raw.getPort();
    }

    @Override
    public int getLocalPort() {
        return raw.getLocalPort();
    }

    @Override
    public boolean isConnected() {
        return raw.isConnected();
    }

    @Override
    public boolean isClosed() {
        return raw.isClosed();
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (!outputShut) {
                outputShut = true;
                protocol.close();
            }
        } catch (IOException ignored) {
            // the peer may be gone already; the socket is closed below either way
        } finally {
            raw.close();
        }
    }
}
