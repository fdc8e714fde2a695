package dev.wirelab.part1.net;

import dev.wirelab.part1.tls.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/** Opens the client side: plain TCP, or TLS 1.3 trusting exactly one certificate. */
public final class NetClient {

    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private NetClient() {
    }

    public static Socket connectPlain(String host, int port) throws IOException {
        Socket s = new Socket();
        connect(s, host, port);
        return s;
    }

    /**
     * Connects to {@code host:port} and completes a TLS 1.3 handshake, checking that the server's
     * certificate is {@code trusted} and names {@code expectedHost}. {@code trustSource} only
     * appears in error messages.
     */
    public static SSLSocket connectTls(String host, int port, String expectedHost, X509Certificate trusted,
                                       String trustSource) throws IOException {
        Socket raw = connectPlain(host, port);
        try {
            SSLContext ctx = TlsContexts.clientTrusting(trusted);
            SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket(raw, expectedHost, port, true);
            TlsContexts.configureClient(ssl, expectedHost);
            ssl.setSoTimeout(CONNECT_TIMEOUT_MS * 2);
            try {
                ssl.startHandshake();
            } catch (SSLException e) {
                ssl.close();
                throw explained(TlsContexts.explain(e, expectedHost, trustSource), e);
            }
            ssl.setSoTimeout(0);
            return ssl;
        } catch (SSLException e) {
            closeQuietly(raw);
            throw e;
        } catch (IOException e) {
            closeQuietly(raw);
            throw new IOException("TLS connection to " + host + ":" + port + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * An SSLException whose message is the whole story. The JDK's exception is kept as suppressed,
     * not as the cause: it shows in a debug stack trace but is not appended to the one-line error.
     */
    private static SSLException explained(String message, SSLException jdk) {
        SSLException e = new SSLException(message);
        e.addSuppressed(jdk);
        return e;
    }

    private static void connect(Socket s, String host, int port) throws IOException {
        try {
            s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            s.setTcpNoDelay(true);
        } catch (UnknownHostException e) {
            closeQuietly(s);
            throw e;
        } catch (ConnectException e) {
            closeQuietly(s);
            throw new IOException("cannot connect to " + host + ":" + port + ": " + e.getMessage()
                    + " (is the server running?)", e);
        } catch (IOException e) {
            closeQuietly(s);
            throw new IOException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * Like {@code nc}: copies {@code in} to the socket and what comes back to {@code out}, until
     * the input ends and the server closes (or {@code drainMillis} passes after the input ended).
     */
    public static void relay(Socket s, InputStream in, OutputStream out, long drainMillis) throws IOException {
        Thread reader = Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[8192];
            try {
                InputStream sin = s.getInputStream();
                int n;
                while ((n = sin.read(buf)) > 0) {
                    synchronized (out) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException ignored) {
                // the socket closed under us: the relay is over
            }
        });
        OutputStream sout = s.getOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            sout.write(buf, 0, n);
            sout.flush();
        }
        try {
            // Half-close says "no more data" (TLS 1.3 sends close_notify) and lets replies still arrive.
            s.shutdownOutput();
        } catch (IOException | UnsupportedOperationException e) {
            s.close();
        }
        try {
            reader.join(drainMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        s.close();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
